"""Stack deploy preview against crafted cluster states: create / update (with diff) / unchanged."""

from __future__ import annotations

import copy
from pathlib import Path

from swarmtui.swarm.create.compose import parse_compose
from swarmtui.swarm.create.compose_plan import StackPlan
from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.stack import (
    DeployStack,
    RemoveStack,
    _comparable,
    _fill_refs,
    _net_targets,
    stack_rows,
)
from tests.unit.test_create_fixtures import network, secret, service

COMPOSE = """
services:
  web:
    image: busybox:latest
    ports: ["8090:80"]
    networks: [front]
    secrets: [pw]
    deploy: {replicas: 2, update_config: {parallelism: 1}}
  worker:
    image: busybox:latest
    networks: [front]
networks:
  front: {}
secrets:
  pw: {file: ./pw.txt}
"""


def plan(tmp_path: Path, text: str = COMPOSE) -> StackPlan:
    (tmp_path / "pw.txt").write_text("s3cret")
    return parse_compose(text, "st", base_dir=tmp_path, path=tmp_path / "compose.yml", env={})


def test_first_deploy_creates_everything(tmp_path: Path) -> None:
    op = DeployStack(plan(tmp_path))
    inv = Inventory.from_api(networks=[network("ingress", "ing", ingress=True)], secrets=[],
                             configs=[])
    g = op.guard(inv)
    assert g.allowed, g.blocks
    assert g.preview == (
        "create network st_front",
        "create secret st_pw\n    from file ./pw.txt",
        "create service st_web\n    busybox:latest, 2 replicas",
        "create service st_worker\n    busybox:latest, 1 replica",
    )
    assert op.cli == f"docker stack deploy -c {tmp_path / 'compose.yml'} st"
    assert all("s3cret" not in line for line in g.preview)


def stored(tmp_path: Path) -> Inventory:
    """The cluster after the first deploy, as the engine stores the specs."""
    p = plan(tmp_path)
    inv0 = Inventory.from_api(networks=[network("st_front", "net-front-00001",
                                                labels={"com.docker.stack.namespace": "st"})],
                              secrets=[secret("st_pw", "sec-pw-0000001",
                                              {"com.docker.stack.namespace": "st"})],
                              configs=[])
    services = []
    for i, ps in enumerate(p.services):
        spec = _net_targets(_fill_refs(ps.spec, {("secret", "st_pw"): "sec-pw-0000001"}), inv0)
        # what the engine adds on its own
        spec["TaskTemplate"]["ContainerSpec"]["Isolation"] = "default"
        spec["TaskTemplate"]["Runtime"] = "container"
        spec["TaskTemplate"]["ForceUpdate"] = 0
        if "UpdateConfig" in spec:
            spec["UpdateConfig"].update({"FailureAction": "pause", "MaxFailureRatio": 0,
                                         "Order": "stop-first", "Monitor": 5 * 10**9})
        d = service(ps.name, f"svc-{i}-0000000", {})
        d["Spec"] = spec
        d["Endpoint"] = {"Ports": (spec.get("EndpointSpec") or {}).get("Ports") or []}
        services.append(d)
    return Inventory.from_api(
        networks=[network("st_front", "net-front-00001",
                          labels={"com.docker.stack.namespace": "st"})],
        services=services,
        secrets=[secret("st_pw", "sec-pw-0000001", {"com.docker.stack.namespace": "st"})],
        configs=[])


def test_redeploying_the_same_file_changes_nothing(tmp_path: Path) -> None:
    g = DeployStack(plan(tmp_path)).guard(stored(tmp_path))
    assert g.allowed, g.blocks
    assert [line.splitlines()[0] for line in g.preview] == [
        "keep network st_front", "keep secret st_pw", "unchanged service st_web",
        "unchanged service st_worker"]


def test_a_change_is_shown_as_a_spec_diff(tmp_path: Path) -> None:
    text = COMPOSE.replace("replicas: 2", "replicas: 4").replace(
        "  worker:\n    image: busybox:latest", "  worker:\n    image: busybox:v2")
    g = DeployStack(plan(tmp_path, text)).guard(stored(tmp_path))
    assert "update service st_web\n    Mode.Replicated.Replicas: 2 → 4" in g.preview
    assert ("update service st_worker\n"
            "    Labels.com.docker.stack.image: busybox:latest → busybox:v2\n"
            "    TaskTemplate.ContainerSpec.Image: busybox:latest → busybox:v2") in g.preview


def test_port_taken_by_another_service_and_missing_external_network(tmp_path: Path) -> None:
    text = COMPOSE.replace("  front: {}\n", "  front: {}\n  ext: {external: true}\n")
    text = text.replace("networks: [front]\n    secrets", "networks: [front, ext]\n    secrets")
    inv = Inventory.from_api(
        networks=[], secrets=[], configs=[],
        services=[service("other", "svc-other-00001",
                          ports=[{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8090,
                                  "PublishMode": "ingress"}])])
    g = DeployStack(plan(tmp_path, text)).guard(inv)
    assert "external network 'ext' does not exist: create it first" in g.blocks
    assert "service web: published port 8090/tcp is already used by service 'other'" in g.blocks


def test_plan_errors_block_and_services_left_out_are_warned(tmp_path: Path) -> None:
    inv = stored(tmp_path)
    text = COMPOSE.replace("  worker:\n    image: busybox:latest\n    networks: [front]\n", "")
    g = DeployStack(plan(tmp_path, text)).guard(inv)
    assert g.warnings == ("service st_worker is in stack st but not in the compose file: it is "
                          "left running",)
    bad = DeployStack(plan(tmp_path, "services: {a: {build: .}}"))
    assert bad.guard(inv).blocks == (
        "service a: no image (build: is ignored by Swarm); Swarm runs images, add image:",)


def test_comparable_keeps_engine_defaults_and_force_update() -> None:
    current = {"TaskTemplate": {"ForceUpdate": 3, "Runtime": "container",
                                "ContainerSpec": {"Image": "a", "Isolation": "default"}},
               "UpdateConfig": {"Parallelism": 1, "Monitor": 5 * 10**9}}
    new = {"TaskTemplate": {"ContainerSpec": {"Image": "b"}}, "UpdateConfig": {"Parallelism": 1}}
    out = _comparable(copy.deepcopy(new), current)
    assert out == {"TaskTemplate": {"ForceUpdate": 3, "Runtime": "container",
                                    "ContainerSpec": {"Image": "b", "Isolation": "default"}},
                   "UpdateConfig": {"Parallelism": 1, "Monitor": 5 * 10**9}}
    # a value the user set differently from the default is not overwritten
    cur2 = {"UpdateConfig": {"Monitor": 5 * 10**9}}
    assert _comparable({"UpdateConfig": {"Monitor": 10**9}, "TaskTemplate": {}}, cur2)[
        "UpdateConfig"]["Monitor"] == 10**9


def test_remove_stack_guard(tmp_path: Path) -> None:
    inv = stored(tmp_path)
    rm = RemoveStack("st")
    g = rm.guard(inv)
    assert g.preview == ("remove service st_web", "remove service st_worker",
                         "remove network st_front", "remove secret st_pw")
    assert rm.confirm_text == "st" and rm.cli == "docker stack rm st"
    assert RemoveStack("nope").guard(inv).blocks == ("there is no stack named 'nope'",)
    assert rm.progress(inv).text == "waiting: 2 services, 1 network, 1 secret of stack " \
        "st remain"
    assert rm.converged(Inventory()) == (True, "stack st is gone")


def test_stack_rows_health() -> None:
    def svc(name: str, stack: str, running: int, desired: int,
            update: dict[str, str] | None = None) -> dict[str, object]:
        d = service(name, f"id-{name}", labels={"com.docker.stack.namespace": stack})
        d["ServiceStatus"] = {"RunningTasks": running, "DesiredTasks": desired}
        if update:
            d["UpdateStatus"] = update
        return d

    inv = Inventory.from_api(services=[
        svc("st_a", "st", 2, 2), svc("st_b", "st", 1, 3), service("loose", "id-loose"),
        svc("st_c", "st", 1, 1, {"State": "paused", "Message": "update paused due to failure"}),
        svc("o_x", "o", 0, 2), svc("h_y", "h", 1, 1),
    ])
    rows = {r.name: r for r in stack_rows(inv)}
    assert list(rows) == ["h", "o", "st"]
    assert rows["st"].services == ("st_a", "st_b", "st_c")
    assert rows["st"].health == "update paused"
    assert rows["st"].problems == ("st_b: 1/3 tasks running",
                                   "st_c: paused: update paused due to failure")
    assert (rows["st"].running, rows["st"].desired) == (4, 6)
    assert rows["o"].health == "down" and rows["o"].problems == ("o_x: 0/2 tasks running",)
    assert rows["h"].health == "healthy" and rows["h"].problems == ()
