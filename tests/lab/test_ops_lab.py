"""Operations against the lab over real SSH, each checked with the docker CLI afterwards.

Every change goes through `run_operation` (guard → apply → journal → converge); the
journal of this module lives in a temp dir and is checked by the last test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from swarmtui import audit
from swarmtui.lab import Lab
from swarmtui.swarm.fetch import fetch_snapshot
from swarmtui.swarm.ops.base import Operation
from swarmtui.swarm.ops.node_labels import AddNodeLabel, RemoveNodeLabel
from swarmtui.swarm.ops.nodes import DemoteNodes, PromoteNodes, RemoveNode, SetAvailability
from swarmtui.swarm.ops.runner import Outcome, run_operation
from swarmtui.swarm.ops.services import (
    ForceUpdateService,
    RemoveService,
    RollbackService,
    ScaleService,
    UpdateServiceImage,
)
from swarmtui.swarm.state import ClusterSnapshot
from tests.waiting import wait_for

#: CLI equivalents of every change made here (checked against the journal at the end)
CHANGES: list[str] = []
SVC_FLAGS = "--no-resolve-image --stop-grace-period 1s --update-monitor 1s --rollback-monitor 1s"


@pytest.fixture(scope="module")
def journal_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("state")
    old = os.environ.get("SWARMTUI_STATE_DIR")
    os.environ["SWARMTUI_STATE_DIR"] = str(d)
    yield d / "audit.jsonl"
    if old is None:
        os.environ.pop("SWARMTUI_STATE_DIR", None)
    else:
        os.environ["SWARMTUI_STATE_DIR"] = old


def _api(lab: Lab, ssh_forward: Callable[[Lab, str], Any], host: str = "node1") -> Any:
    return docker.APIClient(base_url=ssh_forward(lab, host).base_url, version="auto")


@pytest.fixture
def api(lab: Lab, ssh_forward: Callable[[Lab, str], Any], journal_file: Path) -> Iterator[Any]:
    client = _api(lab, ssh_forward)
    yield client
    client.close()


def run(api: Any, op: Operation, **kw: Any) -> Outcome:
    out = run_operation(api, op, cluster="lab", endpoint="node1", wait=True, **kw)
    assert out.status == "ok", (out.message, out.guard)
    assert out.converged, out.converge_text
    CHANGES.append(op.cli)
    return out


def snap(api: Any) -> ClusterSnapshot:
    return fetch_snapshot(api)


def cli(lab: Lab, cmd: str, host: str = "node1") -> str:
    return str(lab.ssh(host, cmd)).strip()


def node_field(lab: Lab, node: str, fmt: str) -> str:
    return cli(lab, f"docker node inspect {node} --format '{fmt}'")


# ------------------------------------------------------------------- nodes


def test_promote_then_demote_a_worker(
    make_lab: Callable[..., Lab], ssh_forward: Callable[[Lab, str], Any], journal_file: Path
) -> None:
    lab = make_lab(nodes=3, managers=1)
    api = _api(lab, ssh_forward)
    try:
        node2 = snap(api).node_by_hostname("node2")
        assert node2 is not None
        out = run(api, PromoteNodes([node2]))
        assert any("even number" in w for w in out.guard.warnings)  # 1 → 2 managers
        assert "managers 1 → 2" in out.guard.preview
        row = cli(lab, "docker node ls --filter name=node2 --format '{{.ManagerStatus}}'")
        assert row == "Reachable"
        assert node_field(lab, "node2", "{{.Spec.Role}}") == "manager"

        node2 = snap(api).node_by_hostname("node2")
        assert node2 is not None
        out = run(api, DemoteNodes([node2]))
        assert "managers 2 → 1" in out.guard.preview
        assert cli(lab, "docker node ls --filter name=node2 --format '{{.ManagerStatus}}'") == ""
        assert node_field(lab, "node2", "{{.Spec.Role}}") == "worker"
        # demoting the last manager is refused before anything is sent
        node1 = snap(api).node_by_hostname("node1")
        assert node1 is not None
        refused = run_operation(api, DemoteNodes([node1]), cluster="lab")
        assert refused.status == "refused" and "last manager" in refused.message
        assert node_field(lab, "node1", "{{.Spec.Role}}") == "manager"
    finally:
        api.close()


def _service(lab: Lab, name: str, args: str) -> None:
    cli(lab, f"docker service create -d {SVC_FLAGS} --name {name} {args}")


def _running_nodes(lab: Lab, service: str) -> list[str]:
    out = cli(
        lab,
        f"docker service ps {service} --filter desired-state=running "
        "--format '{{.Node}} {{.CurrentState}}'",
    )
    return [line.split()[0] for line in out.splitlines() if " Running " in f" {line} "]


def test_drain_activate_pause(lab: Lab, api: Any) -> None:
    _service(lab, "ddrain", "--replicas 3 busybox:latest sleep 1d")
    try:
        wait_for("ddrain 3/3", lambda: len(_running_nodes(lab, "ddrain")) == 3, 60)
        on = _running_nodes(lab, "ddrain")
        victim = next(h for h in ("node2", "node3") if h in on)
        node = snap(api).node_by_hostname(victim)
        assert node is not None
        out = run(api, SetAvailability([node], "drain"))
        assert any(
            line.startswith("ddrain: ddrain.")
            and re.search(r" moves? to (one of |any of )?node", line)
            for line in out.guard.preview
        )
        assert node_field(lab, victim, "{{.Spec.Availability}}") == "drain"
        nodes = _running_nodes(lab, "ddrain")
        assert len(nodes) == 3 and victim not in nodes, nodes
        assert cli(lab, f"docker node ps {victim} --filter desired-state=running -q") == ""

        node = snap(api).node_by_hostname(victim)
        assert node is not None
        run(api, SetAvailability([node], "active"))
        assert node_field(lab, victim, "{{.Spec.Availability}}") == "active"
        node = snap(api).node_by_hostname(victim)
        assert node is not None
        run(api, SetAvailability([node], "pause"))
        assert node_field(lab, victim, "{{.Spec.Availability}}") == "pause"
        assert (
            cli(lab, f"docker node ls --filter name={victim} --format '{{{{.Availability}}}}'")
            == "Pause"
        )
    finally:
        cli(
            lab,
            "docker node update --availability active node2 && "
            "docker node update --availability active node3",
        )
        cli(lab, "docker service rm ddrain")


def test_add_and_remove_a_label_keeps_the_others(lab: Lab, api: Any) -> None:
    cli(lab, "docker node update --label-add keep=1 --label-add other=x node3")
    try:
        node3 = snap(api).node_by_hostname("node3")
        assert node3 is not None
        run(api, AddNodeLabel([node3], "zone=a"))
        labels = json.loads(node_field(lab, "node3", "{{json .Spec.Labels}}"))
        assert labels == {"keep": "1", "other": "x", "zone": "a"}
        node3 = snap(api).node_by_hostname("node3")
        assert node3 is not None
        run(api, RemoveNodeLabel([node3], "zone"))
        labels = json.loads(node_field(lab, "node3", "{{json .Spec.Labels}}"))
        assert labels == {"keep": "1", "other": "x"}
        # bad syntax is refused, nothing sent
        bad = run_operation(api, AddNodeLabel([node3], "bad key=1"))
        assert bad.status == "refused" and "not a valid label key" in bad.message
    finally:
        cli(lab, "docker node update --label-rm keep --label-rm other node3")


def test_node_update_racing_an_external_update_is_retried(lab: Lab, api: Any) -> None:
    node3 = snap(api).node_by_hostname("node3")
    assert node3 is not None
    attempts: list[int] = []

    def race(attempt: int) -> None:
        attempts.append(attempt)
        if attempt == 1:  # between our read and our write, someone else updates node3
            cli(lab, "docker node update --label-add theirs=1 node3")

    op = AddNodeLabel([node3], "ours=1")
    op.before_write = race
    try:
        run(api, op)
        assert attempts == [1, 2]  # the first write hit "update out of sequence"
        labels = json.loads(node_field(lab, "node3", "{{json .Spec.Labels}}"))
        assert labels.get("theirs") == "1" and labels.get("ours") == "1", labels
    finally:
        cli(lab, "docker node update --label-rm theirs --label-rm ours node3")


# ---------------------------------------------------------------- services


def _replicas(lab: Lab, name: str) -> str:
    return cli(lab, f"docker service ls --filter name={name} --format '{{{{.Replicas}}}}'")


def test_scale_up_and_down(lab: Lab, api: Any) -> None:
    _service(lab, "dscale", "--replicas 1 busybox:latest sleep 1d")
    try:
        svc = snap(api).find_service("dscale")
        assert svc is not None
        refused = run_operation(api, ScaleService(svc, "-2"))
        assert refused.status == "refused" and "negative" in refused.message
        run(api, ScaleService(svc, "4"))
        assert _replicas(lab, "dscale") == "4/4"
        run(api, ScaleService(svc, "2"))
        assert _replicas(lab, "dscale") == "2/2"
    finally:
        cli(lab, "docker service rm dscale")


def test_scale_refuses_a_global_service(lab: Lab, api: Any) -> None:
    _service(lab, "dglobal", "--mode global busybox:latest sleep 1d")
    try:
        svc = snap(api).find_service("dglobal")
        assert svc is not None
        out = run_operation(api, ScaleService(svc, "2"))
        assert out.status == "refused" and "global service" in out.message
    finally:
        cli(lab, "docker service rm dglobal")


def test_force_update_replaces_tasks(lab: Lab, api: Any) -> None:
    _service(
        lab,
        "dforce",
        "--replicas 2 --label keep=me --constraint node.role==worker busybox:latest sleep 1d",
    )
    try:
        wait_for("dforce 2/2", lambda: _replicas(lab, "dforce") == "2/2", 60)
        before = set(cli(lab, "docker service ps dforce -q --filter desired-state=running").split())
        svc = snap(api).find_service("dforce")
        assert svc is not None
        run(api, ForceUpdateService(svc))
        fmt = "{{.Spec.TaskTemplate.ForceUpdate}} {{.UpdateStatus.State}} {{json .Spec.Labels}}"
        force, state, labels = cli(lab, f"docker service inspect dforce --format '{fmt}'").split(
            " ", 2
        )
        assert (force, state) == ("1", "completed")
        assert json.loads(labels) == {"keep": "me"}  # the full spec was sent
        assert (
            cli(
                lab,
                "docker service inspect dforce --format "
                "'{{json .Spec.TaskTemplate.Placement.Constraints}}'",
            )
            == '["node.role==worker"]'
        )
        after = set(cli(lab, "docker service ps dforce -q --filter desired-state=running").split())
        assert len(after) == 2 and not (after & before)
        assert _replicas(lab, "dforce") == "2/2"
    finally:
        cli(lab, "docker service rm dforce")


def test_rollback_after_an_image_update(lab: Lab, api: Any) -> None:
    for h in ("node1", "node2", "node3"):
        cli(lab, "docker tag busybox:latest busybox:dv2", host=h)
    _service(lab, "droll", "--replicas 2 busybox:latest sleep 1d")
    try:
        wait_for("droll 2/2", lambda: _replicas(lab, "droll") == "2/2", 60)
        svc = snap(api).find_service("droll")
        assert svc is not None
        assert run_operation(api, RollbackService(svc)).status == "refused"  # never updated
        run(api, UpdateServiceImage(svc, "busybox:dv2"))
        image = "{{.Spec.TaskTemplate.ContainerSpec.Image}}"
        assert cli(lab, f"docker service inspect droll --format '{image}'") == "busybox:dv2"
        assert (
            cli(lab, "docker service ls --filter name=droll --format '{{.Image}}'") == "busybox:dv2"
        )
        svc = snap(api).find_service("droll")
        assert svc is not None
        out = run(api, RollbackService(svc))
        assert "image busybox:dv2 → busybox:latest" in out.guard.preview
        assert cli(lab, f"docker service inspect droll --format '{image}'") == "busybox:latest"
        state = cli(lab, "docker service inspect droll --format '{{.UpdateStatus.State}}'")
        assert state == "rollback_completed"
        assert _replicas(lab, "droll") == "2/2"
    finally:
        cli(lab, "docker service rm droll")
        for h in ("node1", "node2", "node3"):
            lab.ssh(h, "docker rmi busybox:dv2", check=False)


def test_remove_a_service_needs_its_name_typed(lab: Lab, api: Any) -> None:
    _service(lab, "dremove", "--replicas 1 busybox:latest sleep 1d")
    svc = snap(api).find_service("dremove")
    assert svc is not None
    op = RemoveService(svc)
    assert op.confirm_text == "dremove"
    wrong = run_operation(api, op, typed_confirmation="dremov")
    assert wrong.status == "refused"
    assert cli(lab, "docker service ls --filter name=dremove -q") != ""
    run(api, RemoveService(svc), typed_confirmation="dremove")
    assert cli(lab, "docker service ls --filter name=dremove -q") == ""


def test_remove_a_down_worker(
    make_lab: Callable[..., Lab], ssh_forward: Callable[[Lab, str], Any], journal_file: Path
) -> None:
    lab = make_lab(nodes=2, managers=1)
    api = _api(lab, ssh_forward)
    try:
        node2 = snap(api).node_by_hostname("node2")
        assert node2 is not None
        ready = run_operation(api, RemoveNode(node2), typed_confirmation="node2")
        assert ready.status == "refused" and "docker swarm leave" in ready.message
        lab.stop_dockerd("node2")
        down = wait_for(
            "node2 Down",
            lambda: (n := snap(api).node_by_hostname("node2")) and n.state == "down" and n,
            60,
        )
        assert RemoveNode.force_offered(down)
        run(api, RemoveNode(down), typed_confirmation="node2")
        assert "node2" not in cli(lab, "docker node ls --format '{{.Hostname}}'").split()
    finally:
        api.close()


def test_remove_a_down_manager_demotes_it_first(
    make_lab: Callable[..., Lab], ssh_forward: Callable[[Lab, str], Any], journal_file: Path
) -> None:
    lab = make_lab(nodes=3, managers=3)
    api = _api(lab, ssh_forward)
    try:
        lab.stop_dockerd("node3")
        down = wait_for(
            "node3 Down and Unreachable",
            lambda: (n := snap(api).node_by_hostname("node3"))
            and n.state == "down"
            and n.reachability == "unreachable"
            and n,
            60,
        )
        op = RemoveNode(down, force=True)
        assert op.cli == "docker node demote node3 && docker node rm --force node3"
        run(api, op, typed_confirmation="node3")
        rows = cli(lab, "docker node ls --format '{{.Hostname}} {{.ManagerStatus}}'").splitlines()
        assert sorted(r.split()[0] for r in rows) == ["node1", "node2"]
        assert sorted(r.split()[1] for r in rows) == ["Leader", "Reachable"]
    finally:
        api.close()


# -------------------------------------------------------------- read-only


class CountingProxy:
    """A UNIX-socket proxy in front of the docker socket that records HTTP request lines."""

    REQ = re.compile(rb"(?:^|\r\n)(GET|POST|PUT|DELETE|HEAD|PATCH) (\S+) HTTP/1\.[01]\r\n")

    def __init__(self, upstream: str, path: Path) -> None:
        self.upstream = upstream
        self.path = path
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(16)
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"unix://{self.path}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            up.connect(self.upstream)
            threading.Thread(target=self._pipe, args=(client, up, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(up, client, False), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, record: bool) -> None:
        try:
            while data := src.recv(65536):
                if record:  # docker-py writes a request's head in one send: one chunk
                    self._scan(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def _scan(self, data: bytes) -> None:
        for m in self.REQ.finditer(data):
            with self._lock:
                self.requests.append((m.group(1).decode(), m.group(2).decode()))

    def mutating(self) -> list[tuple[str, str]]:
        with self._lock:
            return [r for r in self.requests if r[0] != "GET" and r[0] != "HEAD"]

    def close(self) -> None:
        self._closed = True
        self._server.close()


def test_read_only_sends_zero_mutating_requests(
    lab: Lab, ssh_forward: Callable[[Lab, str], Any], tmp_path: Path, journal_file: Path
) -> None:
    fwd = ssh_forward(lab, "node1")
    proxy = CountingProxy(str(fwd.sock), tmp_path / "count.sock")
    client = docker.APIClient(base_url=proxy.base_url, version="auto")
    _service(lab, "dro", "--replicas 1 busybox:latest sleep 1d")
    try:
        snapshot = fetch_snapshot(client)
        gets = len(proxy.requests)
        assert gets >= 6 and not proxy.mutating(), proxy.requests  # the counter sees requests
        node2 = snapshot.node_by_hostname("node2")
        node1 = snapshot.node_by_hostname("node1")
        svc = snapshot.find_service("dro")
        assert node1 and node2 and svc
        ops: list[Operation] = [
            PromoteNodes([node2]),
            DemoteNodes([node1]),
            SetAvailability([node2], "drain"),
            SetAvailability([node2], "pause"),
            SetAvailability([node2], "active"),
            AddNodeLabel([node2], "ro=1"),
            RemoveNodeLabel([node2], "ro"),
            RemoveNode(node2),
            ScaleService(svc, "3"),
            ForceUpdateService(svc),
            RollbackService(svc),
            UpdateServiceImage(svc, "busybox:other"),
            RemoveService(svc),
        ]
        for op in ops:
            out = run_operation(client, op, read_only=True, typed_confirmation=op.confirm_text)
            assert out.status == "refused" and "read-only" in out.message
            assert op.guard(snapshot, read_only=True).blocks
        assert proxy.mutating() == [] and len(proxy.requests) == gets  # not even a GET
        # and without read-only, the same proxy does count a write
        label = AddNodeLabel([node2], "dcount=1")
        assert run_operation(client, label).status == "ok"
        CHANGES.append(label.cli)
        assert [m for m, _ in proxy.mutating()] == ["POST"]
        assert "/nodes/" in proxy.mutating()[0][1] and "/update" in proxy.mutating()[0][1]
    finally:
        client.close()
        proxy.close()
        cli(lab, "docker node update --label-rm dcount node2", host="node1")
        cli(lab, "docker service rm dro")


# ------------------------------------------------------------------ journal


def test_the_journal_holds_every_change_and_no_secret(journal_file: Path) -> None:
    assert CHANGES, "run with the tests above"
    raw = journal_file.read_text()
    assert "SWMTKN-1-" not in raw and "SWMKEY-1-" not in raw
    entries = audit.read_journal(journal_file)
    ok = [e["cli"] for e in entries if e["result"] == "ok"]
    missing = [c for c in CHANGES if c not in ok]
    assert not missing, missing
    for e in entries:
        assert e["user"] and e["time"] and e["operation"] and e["target"] and e["result"]
    refused = [e for e in entries if e["result"] == "refused"]
    assert any("read-only" in (e["error"] or "") for e in refused)
    assert any(
        e["cli"] == "docker node demote node1" and "last manager" in e["error"] for e in refused
    )
