"""Lab: deploy a compose file through the Engine API; the docker CLI's `stack` commands agree."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from swarmtui.lab import Lab
from swarmtui.swarm.create.compose import load_compose
from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.stack import DeployStack, RemoveStack
from swarmtui.swarm.fetch import fetch_snapshot
from swarmtui.swarm.ops.runner import run_operation
from tests.waiting import wait_for

COMPOSE = """
version: "3.8"
services:
  web:
    image: busybox:latest
    command: httpd -f -p 80 -h /www
    ports:
      - "18081:80"
    networks: [front]
    deploy:
      replicas: ${WEB_REPLICAS:-2}
      update_config: {parallelism: 1, delay: 1s}
      labels: {tier: web}
    configs:
      - source: page
        target: /www/extra.html
  worker:
    image: busybox:latest
    build: .
    container_name: nope
    depends_on: [web]
    command: ["sh", "-c", "busybox sha256sum /run/secrets/token && sleep 3600"]
    networks: [front]
    environment:
      ROLE: worker
    secrets: [token]
    deploy:
      mode: global
      placement:
        constraints: [node.role == worker]
networks:
  front:
    driver: overlay
    ipam:
      config: [{subnet: 10.124.0.0/24}]
secrets:
  token:
    file: ./token.txt
configs:
  page:
    file: ./page.html
"""

STACK = "kst"


@pytest.fixture
def api(lab: Lab, ssh_forward: Any) -> Iterator[Any]:
    client = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="auto")
    yield client
    client.close()


def cli(lab: Lab, cmd: str) -> str:
    return lab.ssh("node1", cmd)


def wait_done(op: Any, api: Any, timeout: float = 90) -> str:
    seen: list[str] = []

    def probe() -> Any:
        p = op.progress(Inventory.read(api))
        assert not p.failed, p.text
        seen.append(p.text)
        return p.text if p.done else None

    try:
        return str(wait_for(f"{op.name} {op.target}", probe, timeout))
    except AssertionError as exc:
        raise AssertionError(f"{exc}; progress said: {seen[-1:]}") from None


def test_deploy_compose_stack_then_remove(lab: Lab, api: Any, tmp_path: Path) -> None:
    token = b"k-stack-token-" + hashlib.sha256(tmp_path.name.encode()).hexdigest()[:12].encode()
    (tmp_path / "token.txt").write_bytes(token)
    (tmp_path / "page.html").write_text("<p>hello from a config</p>\n")
    compose = tmp_path / "compose.yml"
    compose.write_text(COMPOSE)
    journal = tmp_path / "audit.jsonl"

    plan = load_compose(compose, STACK, env={})
    assert plan.ok, plan.errors
    assert sorted(plan.warnings) == sorted([
        "service worker: 'build' is ignored by Swarm — Swarm cannot build images: build and "
        "push the image, then set image:",
        "service worker: 'container_name' is ignored by Swarm — Swarm names task containers "
        "itself",
        "service worker: 'depends_on' is ignored by Swarm — Swarm starts services in any order: "
        "make services retry their dependencies",
    ])
    op = DeployStack(plan)
    assert op.cli == f"docker stack deploy -c {compose} {STACK}"
    try:
        g = op.guard(Inventory.read(api))
        assert g.allowed, g.blocks
        assert [p.splitlines()[0] for p in g.preview] == [
            "create network kst_front", "create secret kst_token", "create config kst_page",
            "create service kst_web", "create service kst_worker"]
        outcome = run_operation(api, op, journal_path=journal)
        assert outcome.ok, outcome.message
        wait_done(op, api)

        rows = cli(lab, f"docker stack services {STACK} --format "
                        "'{{.Name}} {{.Mode}} {{.Replicas}} {{.Image}} {{.Ports}}'").splitlines()
        assert sorted(rows) == [
            "kst_web replicated 2/2 busybox:latest *:18081->80/tcp",
            "kst_worker global 2/2 busybox:latest ",
        ] or sorted(r.strip() for r in rows) == [
            "kst_web replicated 2/2 busybox:latest *:18081->80/tcp",
            "kst_worker global 2/2 busybox:latest",
        ]
        assert cli(lab, "docker stack ls --format '{{.Name}} {{.Services}}'").splitlines() \
            .count(f"{STACK} 2") == 1
        label = f"label=com.docker.stack.namespace={STACK}"
        assert cli(lab, f"docker network ls --filter {label} --format '{{{{.Name}}}}'") \
            == "kst_front"
        assert cli(lab, f"docker secret ls --filter {label} --format '{{{{.Name}}}}'") \
            == "kst_token"
        assert cli(lab, f"docker config ls --filter {label} --format '{{{{.Name}}}}'") \
            == "kst_page"
        subnet = cli(lab, "docker network inspect kst_front --format "
                          "'{{(index .IPAM.Config 0).Subnet}}'")
        assert subnet == "10.124.0.0/24"
        web = json.loads(cli(lab, "docker service inspect kst_web --format '{{json .Spec}}'"))
        assert web["Labels"]["tier"] == "web"
        assert web["TaskTemplate"]["ContainerSpec"]["Configs"][0]["File"]["Name"] == \
            "/www/extra.html"
        worker = json.loads(cli(lab, "docker service inspect kst_worker "
                                     "--format '{{json .Spec}}'"))
        assert worker["TaskTemplate"]["ContainerSpec"]["Env"] == ["ROLE=worker"]
        assert worker["TaskTemplate"]["Placement"]["Constraints"] == ["node.role==worker"]
        states = cli(lab, f"docker stack ps {STACK} --filter desired-state=running "
                          "--format '{{.CurrentState}}'").splitlines()
        assert len(states) == 4 and all(s.startswith("Running") for s in states)
        # the secret reached the worker tasks (its hash is in their logs; never the value)
        digest = hashlib.sha256(token).hexdigest()
        wait_for("the worker to log the secret's hash",
                 lambda: digest in cli(lab, "docker service logs --raw kst_worker"), 30, 0.5)

        # deploying the same file again changes nothing
        again = DeployStack(load_compose(compose, STACK, env={}))
        g2 = again.guard(Inventory.read(api))
        assert g2.allowed, g2.blocks
        assert [p.splitlines()[0] for p in g2.preview] == [
            "keep network kst_front", "keep secret kst_token", "keep config kst_page",
            "unchanged service kst_web", "unchanged service kst_worker"], g2.preview
        # a changed replica count updates only that service, shown as a spec diff
        changed = DeployStack(load_compose(compose, STACK, env={"WEB_REPLICAS": "3"}))
        g3 = changed.guard(Inventory.read(api))
        assert "update service kst_web\n    Mode.Replicated.Replicas: 2 → 3" in g3.preview
        assert "unchanged service kst_worker" in g3.preview
        outcome = run_operation(api, changed, journal_path=journal)
        assert outcome.ok, outcome.message
        wait_done(changed, api)
        assert cli(lab, "docker service ls --filter name=kst_web --format '{{.Replicas}}'") \
            == "3/3"
    finally:
        rm = RemoveStack(STACK)
        assert rm.confirm_text == STACK
        assert rm.cli == "docker stack rm kst"
        g = rm.guard(fetch_snapshot(api))
        outcome = run_operation(api, rm, typed_confirmation=STACK, journal_path=journal)
        assert outcome.ok, outcome.message
    assert "remove service kst_web" in g.preview and "remove network kst_front" in g.preview
    wait_done(rm, api, 60)
    assert STACK not in cli(lab, "docker stack ls --format '{{.Name}}'").split()
    label = f"label=com.docker.stack.namespace={STACK}"
    for kind in ("service", "network", "secret", "config"):
        assert cli(lab, f"docker {kind} ls -q --filter {label}") == "", kind
    text = journal.read_text()
    assert token.decode() not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(x["operation"], x["result"]) for x in lines] == [
        ("deploy stack", "ok"), ("deploy stack", "ok"), ("remove stack", "ok")]


def test_a_bad_compose_file_deploys_nothing(lab: Lab, api: Any, tmp_path: Path) -> None:
    from swarmtui.swarm.create.base import OperationError

    compose = tmp_path / "compose.yml"
    compose.write_text("services:\n  ok: {image: busybox:latest}\n"
                       "  broken: {image: busybox:latest, ports: ['80:99999'],"
                       " networks: [undeclared]}\n")
    plan = load_compose(compose, "kbad", env={})
    assert plan.errors == [
        "service broken: network 'undeclared' is not declared under the top-level networks:",
        "service broken: '80:99999': port 99999 is out of range (1-65535)",
    ]
    op = DeployStack(plan)
    assert op.guard(Inventory.read(api)).blocks == tuple(plan.errors)
    with pytest.raises(OperationError):
        op.apply(api)
    assert "kbad" not in cli(lab, "docker stack ls --format '{{.Name}}'").split()
    assert cli(lab, "docker network ls -q --filter label=com.docker.stack.namespace=kbad") == ""
