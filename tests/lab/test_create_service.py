"""Lab: services and overlay networks created and changed through swarmtui.swarm.create.

Each change goes through the operation path (guard → apply → converged) against
the real lab swarm over real SSH; the docker CLI on node1 is the oracle.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import docker
import pytest

from swarmtui.lab import Lab
from swarmtui.swarm.create.base import CreateOperation, OperationError
from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.network import CreateNetwork, NetworkForm
from swarmtui.swarm.create.service_form import MountField, PortField, ServiceForm
from swarmtui.swarm.create.service_ops import (
    AttachNetwork,
    CreateService,
    DetachNetwork,
    EditService,
)
from swarmtui.swarm.create.service_spec import form_from_spec
from tests.waiting import wait_for


@pytest.fixture
def api(lab: Lab, ssh_forward: Any) -> Iterator[Any]:
    client = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="auto")
    yield client
    client.close()


def cli(lab: Lab, cmd: str) -> str:
    return lab.ssh("node1", cmd)


def inspect_spec(lab: Lab, name: str) -> dict[str, Any]:
    out = cli(lab, f"docker service inspect {name} --format '{{{{json .Spec}}}}'")
    spec: dict[str, Any] = json.loads(out)
    return spec


def run(op: CreateOperation, api: Any, timeout: float = 60) -> str:
    """guard → apply → wait converged, as the UI does; returns the final progress text."""
    g = op.guard(Inventory.read(api))
    assert g.allowed, g.blocks
    op.apply(api)

    def probe() -> Any:
        p = op.progress(Inventory.read(api))
        assert not p.failed, p.text
        return p if p.done else None

    return str(wait_for(f"{op.name} {op.target} to converge", probe, timeout).text)


#: a task that stops at once on SIGTERM (a bare `sleep` as PID 1 ignores it and is killed only
#: after the 10 s stop grace period, which makes every rolling update slow)
QUICK_STOP = """sh -c 'trap "exit 0" TERM; sleep 3600 & wait'"""


def cleanup(lab: Lab, services: tuple[str, ...] = (), networks: tuple[str, ...] = ()) -> None:
    for s in services:
        cli(lab, f"docker service rm {s} >/dev/null 2>&1 || true")
    for n in networks:
        # the network is released once the removed service's tasks are gone
        script = (f"docker network rm {n} >/dev/null 2>&1 && echo gone || "
                  f"(docker network inspect {n} >/dev/null 2>&1 || echo gone)")
        def gone(script: str = script) -> bool:
            return "gone" in cli(lab, script)

        wait_for(f"network {n} removed", gone, 60, 0.5)


def test_replicated_service_with_port_and_overlay_network(lab: Lab, api: Any) -> None:
    net = CreateNetwork(NetworkForm(name="k-appnet", subnet="10.123.0.0/24",
                                    gateway="10.123.0.1", attachable=True,
                                    labels=["owner=k"]))
    assert net.cli == ("docker network create --driver overlay --subnet 10.123.0.0/24 "
                       "--gateway 10.123.0.1 --attachable --label owner=k k-appnet")
    try:
        run(net, api)
        ni = json.loads(cli(lab, "docker network inspect k-appnet --format '{{json .}}'"))
        assert ni["Driver"] == "overlay" and ni["Scope"] == "swarm" and ni["Attachable"]
        assert ni["IPAM"]["Config"][0]["Subnet"] == "10.123.0.0/24"
        assert ni["IPAM"]["Config"][0]["Gateway"] == "10.123.0.1"
        assert ni["Labels"] == {"owner": "k"}

        form = ServiceForm(
            name="k-web", image="busybox:latest", command="httpd -f -p 80", replicas="2",
            ports=[PortField(target="80", published="18080")],
            networks=["k-appnet"], env=["GREETING=hello world", "MODE=test"],
            mounts=[MountField("volume", "k-data", "/data"),
                    MountField("bind", "/tmp", "/hosttmp", readonly=True)],
            constraints=["node.role==worker"], preferences=["spread=node.labels.zone"],
            limit_cpus="0.5", limit_memory="64M", reserve_cpus="0.1", reserve_memory="16M",
            restart_condition="on-failure", restart_delay="2s", restart_max_attempts="3",
            restart_window="10s",
            update_parallelism="1", update_delay="1s", update_failure_action="rollback",
            update_order="start-first",
            health_cmd="true", health_interval="5s", health_timeout="2s", health_retries="2",
            health_start_period="1s",
            labels=["team=k", "tier=web"],
        )
        op = CreateService(form)
        assert op.cli.startswith("docker service create --name k-web --replicas 2 "
                                 "--publish published=18080,target=80 --network k-appnet ")
        text = run(op, api)
        assert text == "2/2 tasks running"

        spec = inspect_spec(lab, "k-web")
        tt, cs = spec["TaskTemplate"], spec["TaskTemplate"]["ContainerSpec"]
        net_id = cli(lab, "docker network inspect k-appnet --format '{{.Id}}'")
        assert spec["Name"] == "k-web"
        assert spec["Mode"] == {"Replicated": {"Replicas": 2}}
        assert cs["Image"] == "busybox:latest" and cs["Args"] == ["httpd", "-f", "-p", "80"]
        assert cs["Env"] == ["GREETING=hello world", "MODE=test"]
        assert cs["Mounts"] == [
            {"Type": "volume", "Source": "k-data", "Target": "/data"},
            {"Type": "bind", "Source": "/tmp", "Target": "/hosttmp", "ReadOnly": True},
        ]
        assert tt["Placement"]["Constraints"] == ["node.role==worker"]
        assert tt["Placement"]["Preferences"] == [
            {"Spread": {"SpreadDescriptor": "node.labels.zone"}}]
        assert tt["Resources"] == {
            "Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 64 * 2**20},
            "Reservations": {"NanoCPUs": 100_000_000, "MemoryBytes": 16 * 2**20}}
        assert tt["RestartPolicy"] == {"Condition": "on-failure", "Delay": 2 * 10**9,
                                       "MaxAttempts": 3, "Window": 10 * 10**9}
        # (the engine adds its defaults Monitor=5s and MaxFailureRatio=0)
        assert spec["UpdateConfig"] == {"Parallelism": 1, "Delay": 10**9,
                                        "FailureAction": "rollback", "Order": "start-first",
                                        "Monitor": 5 * 10**9, "MaxFailureRatio": 0}
        assert cs["Healthcheck"] == {"Test": ["CMD-SHELL", "true"], "Interval": 5 * 10**9,
                                     "Timeout": 2 * 10**9, "Retries": 2,
                                     "StartPeriod": 10**9}
        assert spec["Labels"] == {"team": "k", "tier": "web"}
        assert [n["Target"] for n in tt["Networks"]] == [net_id]
        assert spec["EndpointSpec"]["Ports"] == [
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 18080,
             "PublishMode": "ingress"}]
        # the CLI's own view: published port and replicas
        assert cli(lab, "docker service ls --filter name=k-web --format '{{.Ports}} "
                        "{{.Replicas}}'") == "*:18080->80/tcp 2/2"
        # its tasks run, on workers only
        states = cli(lab, "docker service ps k-web --filter desired-state=running "
                          "--format '{{.Node}} {{.CurrentState}}'").splitlines()
        assert len(states) == 2 and all(" Running " in s for s in states)
        assert not any(s.startswith("node1 ") for s in states)

        # the edit form filled from the live spec gives the same form back
        inv = Inventory.read(api)
        again = form_from_spec(inv.service("k-web").spec, inv)  # type: ignore[union-attr]
        assert again == form

        # removing the network is refused while the service uses it
        from swarmtui.swarm.create.network import RemoveNetwork

        g = RemoveNetwork("k-appnet").guard(inv)
        assert g.blocks == ("network k-appnet is used by service k-web — detach or remove "
                            "them first",)
    finally:
        cleanup(lab, ("k-web",), ("k-appnet",))


def test_global_service_one_task_per_active_node(lab: Lab, api: Any) -> None:
    form = ServiceForm(name="k-glob", image="busybox:latest", command="sleep 3600",
                       mode="global", replicas="", ports=[PortField(target="80")])
    op = CreateService(form)
    assert op.cli == ("docker service create --name k-glob --mode global --publish target=80 "
                      "--no-resolve-image busybox:latest sleep 3600")
    try:
        run(op, api)
        active = cli(lab, "docker node ls --filter role=worker --format '{{.Hostname}} "
                          "{{.Availability}}'").splitlines() + \
            cli(lab, "docker node ls --filter role=manager --format '{{.Hostname}} "
                     "{{.Availability}}'").splitlines()
        active_hosts = sorted(line.split()[0] for line in active if line.endswith(" Active"))
        assert len(active_hosts) == 3
        rows = cli(lab, "docker service ps k-glob --filter desired-state=running "
                        "--format '{{.Node}} {{.CurrentState}}'").splitlines()
        assert sorted(r.split()[0] for r in rows) == active_hosts
        assert all(" Running " in r for r in rows)
        assert cli(lab, "docker service inspect k-glob --format '{{json .Spec.Mode}}'") \
            == '{"Global":{}}'
        # the published port left empty: Swarm picked one from its range (30000-32767)
        ports = json.loads(cli(lab, "docker service inspect k-glob "
                                    "--format '{{json .Endpoint.Ports}}'"))
        assert len(ports) == 1 and ports[0]["TargetPort"] == 80
        assert 30000 <= ports[0]["PublishedPort"] <= 32767
    finally:
        cleanup(lab, ("k-glob",))


def test_edit_image_rolling_update_completes(lab: Lab, api: Any) -> None:
    for h in lab.hosts:
        lab.ssh(h.name, "docker tag busybox:latest busybox:v2")
    form = ServiceForm(name="k-roll", image="busybox:latest", command=QUICK_STOP,
                       replicas="3", update_parallelism="1", update_delay="500ms",
                       env=["KEEP=1"], labels=["keep=me"], constraints=["node.labels.k-none!=1"])
    try:
        run(CreateService(form), api)
        inv = Inventory.read(api)
        current = inv.service("k-roll")
        assert current is not None
        original = form_from_spec(current.spec, inv)
        edited = form_from_spec(current.spec, inv)
        edited.image = "busybox:v2"
        op = EditService("k-roll", edited, original)
        assert op.cli == "docker service update --image busybox:v2 k-roll"
        g = op.guard(inv)
        assert g.allowed, g.blocks
        assert g.preview == ("TaskTemplate.ContainerSpec.Image: busybox:latest → busybox:v2",)
        op.apply(api)
        seen: list[str] = []

        def probe() -> Any:
            p = op.progress(Inventory.read(api))
            seen.append(p.text)
            assert not p.failed, p.text
            return p if p.done else None

        wait_for("the rolling update to complete", probe, 90)
        assert any(t.startswith("updating") for t in seen), seen
        assert cli(lab, "docker service inspect k-roll --format '{{.UpdateStatus.State}}'") \
            == "completed"
        images = cli(lab, "docker service ps k-roll --filter desired-state=running "
                          "--format '{{.Image}} {{.CurrentState}}'").splitlines()
        assert len(images) == 3 and all(i.startswith("busybox:v2 Running") for i in images)
        spec = inspect_spec(lab, "k-roll")
        # everything else is intact
        assert spec["Labels"] == {"keep": "me"}
        assert spec["TaskTemplate"]["ContainerSpec"]["Env"] == ["KEEP=1"]
        assert spec["TaskTemplate"]["Placement"]["Constraints"] == ["node.labels.k-none!=1"]
        assert spec["UpdateConfig"]["Delay"] == 500_000_000
    finally:
        cleanup(lab, ("k-roll",))


def test_failed_update_is_reported_with_the_reason(lab: Lab, api: Any) -> None:
    form = ServiceForm(name="k-bad", image="busybox:latest", command=QUICK_STOP,
                       replicas="1", update_failure_action="pause", update_parallelism="1")
    try:
        run(CreateService(form), api)
        inv = Inventory.read(api)
        current = inv.service("k-bad")
        assert current is not None
        edited = form_from_spec(current.spec, inv)
        edited.command = "sh -c 'exit 3'"
        op = EditService("k-bad", edited)
        assert op.guard(inv).allowed
        op.apply(api)

        def probe() -> Any:
            p = op.progress(Inventory.read(api))
            return p if p.done else None

        p = wait_for("the update to pause", probe, 90)
        assert p.failed and p.text.startswith("update paused"), p.text
        assert "task k-bad." in p.text  # UpdateStatus.Message names the failing task
        msg = cli(lab, "docker service inspect k-bad --format '{{.UpdateStatus.Message}}'")
        msg = msg.strip()
        task_id = msg.rsplit(" ", 1)[-1]  # said as `docker service ps` names it
        task = cli(lab, f"docker service ps k-bad --no-trunc --filter id={task_id} "
                        "--format '{{.Name}}'").strip()
        assert task.startswith("k-bad.") and msg.replace(task_id, task) in p.text, p.text
    finally:
        cleanup(lab, ("k-bad",))


def test_attach_and_detach_network(lab: Lab, api: Any) -> None:
    try:
        run(CreateNetwork(NetworkForm(name="k-side")), api)
        run(CreateService(ServiceForm(name="k-att", image="busybox:latest",
                                      command=QUICK_STOP, replicas="1",
                                      labels=["stay=yes"])), api)
        op = AttachNetwork("k-att", "k-side")
        assert op.cli == "docker service update --network-add k-side k-att"
        run(op, api)
        net_id = cli(lab, "docker network inspect k-side --format '{{.Id}}'")
        spec = inspect_spec(lab, "k-att")
        assert [n["Target"] for n in spec["TaskTemplate"]["Networks"]] == [net_id]
        assert spec["Labels"] == {"stay": "yes"}
        assert AttachNetwork("k-att", "k-side").guard(Inventory.read(api)).blocks == (
            "service k-att is already on network k-side",)
        op2 = DetachNetwork("k-att", "k-side")
        assert op2.cli == "docker service update --network-rm k-side k-att"
        run(op2, api)
        spec = inspect_spec(lab, "k-att")
        assert not spec["TaskTemplate"].get("Networks")
        assert spec["Labels"] == {"stay": "yes"}
    finally:
        cleanup(lab, ("k-att",), ("k-side",))


BAD_FIELDS: list[tuple[str, dict[str, Any], str, str]] = [
    ("name", {"name": "bad name!"}, "name",
     "'bad name!' is not a valid service name"),
    ("image", {"image": "Busybox:latest"}, "image", "image names are lower-case"),
    ("replicas", {"replicas": "two"}, "replicas", "replicas must be a whole number, not 'two'"),
    ("port", {"ports": [PortField(target="80", published="99999")]}, "ports[0].published",
     "the published port must be at most 65535, not 99999"),
    ("protocol", {"ports": [PortField(target="80", protocol="icmp")]}, "ports[0].protocol",
     "protocol must be tcp, udp or sctp, not 'icmp'"),
    ("network", {"networks": ["k-nosuchnet"]}, "networks[0]", "unknown network 'k-nosuchnet'"),
    ("env", {"env": ["JUSTAKEY"]}, "env[0]", "'JUSTAKEY' must look like KEY=value"),
    ("mount", {"mounts": [MountField("bind", "relative/dir", "/data")]}, "mounts[0].source",
     "must be an absolute host path"),
    ("constraint", {"constraints": ["node.role=manager"]}, "constraints[0]",
     "uses '='; a constraint compares with == or !="),
    ("preference", {"preferences": ["node.labels.zone"]}, "preferences[0]",
     "is not a placement preference"),
    ("memory", {"limit_memory": "512X"}, "limit_memory", "'512X' is not a size"),
    ("cpus", {"limit_cpus": "-1"}, "limit_cpus", "the number must be above 0"),
    ("restart", {"restart_condition": "sometimes"}, "restart_condition",
     "restart condition must be none, on-failure or any"),
    ("delay", {"update_delay": "10"}, "update_delay", "'10' has no unit"),
    ("failure action", {"update_failure_action": "ignore"}, "update_failure_action",
     "pause, continue or rollback"),
    ("order", {"update_order": "random"}, "update_order", "stop-first or start-first"),
    ("health", {"health_retries": "many"}, "health_retries",
     "health retries must be a whole number"),
    ("label", {"labels": ["=novalue"]}, "labels[0]", "must look like key=value"),
    ("secret", {"secrets": []}, "", ""),
]


def test_bad_input_for_each_field_gives_its_message_and_creates_nothing(
        lab: Lab, api: Any) -> None:
    before = cli(lab, "docker service ls --format '{{.Name}}'")
    nets_before = cli(lab, "docker network ls --format '{{.Name}}'")
    inv = Inventory.read(api)
    for what, change, field, message in BAD_FIELDS:
        if not field:
            continue
        form = ServiceForm(name="k-badinput", image="busybox:latest", command="sleep 1")
        for k, v in change.items():
            setattr(form, k, v)
        op = CreateService(form)
        g = op.guard(inv)
        assert not g.allowed, what
        assert any(b.startswith(f"{field}: ") and message in b for b in g.blocks), (what, g.blocks)
        with pytest.raises(OperationError) as exc:
            op.apply(api)
        assert message in str(exc.value), what
    bad_net = CreateNetwork(NetworkForm(name="k-badnet", subnet="10.99.0.1/24"))
    assert bad_net.guard(inv).blocks == (
        "subnet: '10.99.0.1/24' has host bits set: did you mean 10.99.0.0/24?",)
    assert cli(lab, "docker service ls --format '{{.Name}}'") == before
    assert cli(lab, "docker network ls --format '{{.Name}}'") == nets_before


def test_read_only_refuses_before_any_request(lab: Lab, api: Any) -> None:
    op = CreateService(ServiceForm(name="k-ro", image="busybox:latest"))
    g = op.guard(Inventory(), read_only=True)
    assert not g.allowed and g.blocks[0].startswith("read-only mode")


def test_edit_racing_an_external_update_keeps_their_change(lab: Lab, api: Any) -> None:
    """Issue 15 item 3: the form is opened at replicas 1; while the user changes the
    image, someone runs `docker service update --replicas 2` between our read and our
    write. The edit retries on "out of sequence" and must keep their 2 replicas (before
    the three-way merge, the retry wrote the form's old 1 back)."""
    cli(lab, "docker service create --detach --no-resolve-image --name k-race --replicas 1 "
             f"busybox:latest {QUICK_STOP}")
    try:
        inv = Inventory.read(api)
        current = inv.service("k-race")
        assert current is not None
        original = form_from_spec(current.spec, inv)
        edited = form_from_spec(current.spec, inv)
        edited.env = ["MODE=ours"]
        op = EditService("k-race", edited, original)
        attempts: list[int] = []

        def race(attempt: int) -> None:
            attempts.append(attempt)
            if attempt == 1:  # someone else, between our read and our write
                cli(lab, "docker service update --detach --replicas 2 k-race")

        op.before_write = race
        op.apply(api)
        assert attempts == [1, 2]  # the first write hit "update out of sequence"
        spec = inspect_spec(lab, "k-race")
        assert spec["Mode"]["Replicated"]["Replicas"] == 2, spec["Mode"]  # theirs kept
        assert spec["TaskTemplate"]["ContainerSpec"]["Env"] == ["MODE=ours"]  # ours applied
    finally:
        cleanup(lab, services=("k-race",))


def test_edit_of_a_field_changed_meanwhile_is_a_conflict_not_an_overwrite(
        lab: Lab, api: Any) -> None:
    """The user changes replicas 1 → 3 while someone else sets 2: shown as a conflict,
    nothing written, their 2 stays."""
    cli(lab, "docker service create --detach --no-resolve-image --name k-conflict "
             f"--replicas 1 busybox:latest {QUICK_STOP}")
    try:
        inv = Inventory.read(api)
        current = inv.service("k-conflict")
        assert current is not None
        original = form_from_spec(current.spec, inv)
        edited = form_from_spec(current.spec, inv)
        edited.replicas = "3"
        cli(lab, "docker service update --detach --replicas 2 k-conflict")
        op = EditService("k-conflict", edited, original)
        blocks = op.guard(Inventory.read(api)).blocks
        assert any("changed by someone else" in b and "Replicas: you 3, now 2 (was 1)" in b
                   for b in blocks), blocks
        with pytest.raises(OperationError, match="changed by someone else"):
            op.apply(api)
        assert inspect_spec(lab, "k-conflict")["Mode"]["Replicated"]["Replicas"] == 2
    finally:
        cleanup(lab, services=("k-conflict",))
