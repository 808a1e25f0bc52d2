"""fetch_snapshot against the lab over real SSH, checked field by field with the docker CLI."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import docker
import pytest

from swarmtui.lab import Lab
from swarmtui.swarm import format as fmt
from swarmtui.swarm import health
from swarmtui.swarm.events import EventWatcher
from swarmtui.swarm.fetch import fetch_kind, fetch_snapshot
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.view import LinkView
from tests.lab.recovery_kit import QUORUM_LOSS_S
from tests.waiting import wait_for

SERVICES = {
    "dweb": "--replicas 2 -p 18080:80 --label team=a busybox:latest sleep 1d",
    "dbad": "--replicas 2 busybox:latest sh -c 'exit 3'",
    "dglob": "--mode global busybox:latest sleep 1d",
    "dpend": "--constraint node.labels.nowhere==1 busybox:latest sleep 1d",
    "djob": "--mode replicated-job --replicas 2 busybox:latest true",
    "dmax": "--replicas 2 --replicas-max-per-node 1 busybox:latest sleep 1d",
    "dhost": "--publish mode=host,target=80,published=19090 busybox:latest sleep 1d",
}


@pytest.fixture
def services(lab: Lab) -> Iterator[list[str]]:
    for name, args in SERVICES.items():
        lab.ssh("node1", f"docker service create -d --no-resolve-image --name {name} {args}")
    lab.ssh("node1", "docker network create -d overlay --attachable --opt encrypted dnet1")
    try:
        yield list(SERVICES)
    finally:
        lab.ssh("node1", "docker service rm " + " ".join(SERVICES), check=False)
        lab.ssh("node1", "docker network rm dnet1", check=False)


@pytest.fixture
def api(lab: Lab, ssh_forward: Callable[[Lab, str], Any]) -> Iterator[Any]:
    client = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="auto")
    yield client
    client.close()


def _rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines() if line.strip()]


def _age_ok(ours_ts: Any, cli_text: str, cli_time: float) -> bool:
    """The CLI's "Running 5 seconds ago" matches ours computed at about the CLI's moment."""
    from datetime import UTC, datetime

    base = datetime.fromtimestamp(cli_time, UTC)
    state_word = cli_text.split(" ", 1)[0]
    candidates = {
        fmt.current_state(state_word.lower(), ours_ts, base + timedelta(seconds=d))
        for d in (-2, -1, 0, 1, 2)
    }
    return cli_text in candidates


def _compare(lab: Lab, snap: ClusterSnapshot, names: list[str]) -> list[str]:
    diffs: list[str] = []
    # nodes
    cli_nodes = _rows(
        lab.ssh(
            "node1",
            "docker node ls --format "
            "'{{.ID}}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t"
            "{{.ManagerStatus}}\t{{.EngineVersion}}'",
        )
    )
    if len(cli_nodes) != len(snap.nodes):
        diffs.append(f"node count {len(snap.nodes)} != CLI {len(cli_nodes)}")
    for nid, host, status, avail, mstatus, ever in cli_nodes:
        n = snap.nodes.get(nid)
        ours = (
            (
                n.hostname,
                n.status_text,
                n.availability_text,
                n.manager_status_text,
                n.engine_version,
            )
            if n
            else None
        )
        if ours != (host, status, avail, mstatus, ever):
            diffs.append(f"node {host}: ours {ours} CLI {(host, status, avail, mstatus, ever)}")
    # services
    cli_svcs = _rows(
        lab.ssh(
            "node1",
            "docker service ls --format "
            "'{{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}'",
        )
    )
    if len(cli_svcs) != len(snap.services):
        diffs.append(f"service count {len(snap.services)} != CLI {len(cli_svcs)}")
    for row in cli_svcs:
        row += [""] * (6 - len(row))
        sid, name, mode, replicas, image, ports = row
        s = snap.find_service(sid)
        ours = (s.name, s.mode_text, s.replicas_text, s.image, s.ports_text) if s else None
        if ours != (name, mode, replicas, image, ports):
            diffs.append(f"service {name}: ours {ours} CLI {(name, mode, replicas, image, ports)}")
    # tasks (history included, as `docker service ps` lists them)
    t0 = time.time()
    cli_tasks = _rows(
        lab.ssh(
            "node1",
            "docker service ps --no-trunc --format "
            "'{{.ID}}\t{{.Name}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t"
            "{{.Error}}' " + " ".join(names),
        )
    )
    t1 = time.time()
    ours_ids = {
        t.id for n in names if (s := snap.find_service(n)) for t in snap.tasks_of_service(s.id)
    }
    if {r[0] for r in cli_tasks} != ours_ids:
        diffs.append(
            f"task ids differ: only CLI {sorted({r[0] for r in cli_tasks} - ours_ids)}, "
            f"only ours {sorted(ours_ids - {r[0] for r in cli_tasks})}"
        )
    for row in cli_tasks:
        row += [""] * (6 - len(row))
        tid, name, node, desired, current, error = row
        t = snap.tasks.get(tid)
        if t is None:
            continue
        # with --format the CLI prints the plain name (no "\\_" history marker) and the
        # error in double quotes
        ours = (snap.task_name(t), snap.node_hostname(t.node_id), t.desired_text, t.error)
        theirs = (name.strip(), node, desired, error.removeprefix('"').removesuffix('"'))
        if ours != theirs:
            diffs.append(f"task {tid}: ours {ours} CLI {theirs}")
        if not _age_ok(t.timestamp, current, (t0 + t1) / 2):
            diffs.append(f"task {tid}: ours {t.current_state_text()} CLI {current}")
    # networks
    cli_nets = _rows(
        lab.ssh(
            "node1",
            "docker network ls --no-trunc --format '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}'",
        )
    )
    ours_nets = {(n.id, n.name, n.driver, n.scope) for n in snap.networks.values()}
    if {tuple(r) for r in cli_nets} != ours_nets:
        diffs.append(f"networks: ours {sorted(ours_nets)} CLI {sorted(map(tuple, cli_nets))}")
    return diffs


class Heard:
    """A store listener that keeps every (snapshot, kinds) it is handed, in order."""

    def __init__(self, heard: list[tuple[ClusterSnapshot, frozenset[str]]]) -> None:
        self.heard = heard

    def on_snapshot(self, snapshot: ClusterSnapshot, kinds: frozenset[str]) -> None:
        self.heard.append((snapshot, kinds))

    def on_link(self, view: LinkView) -> None:
        pass

    def on_connect_failed(self, error: BaseException) -> None:
        raise AssertionError(error)


def test_snapshot_agrees_with_the_cli(lab: Lab, api: Any, services: list[str]) -> None:
    # let the broken service fail at least once and everything else start
    def settled() -> ClusterSnapshot | None:
        s = fetch_snapshot(api)
        web, glob = s.find_service("dweb"), s.find_service("dglob")
        bad = s.find_service("dbad")
        ok = (
            web
            and web.running == 2
            and glob
            and glob.running == 3
            and bad
            and any(t.state == "failed" for t in s.tasks_of_service(bad.id))
        )
        return s if ok else None

    wait_for("services to start and dbad to fail once", settled, 60)
    last: list[str] = []

    def agrees() -> bool:
        nonlocal last
        last = _compare(lab, fetch_snapshot(api), services)
        return not last

    try:
        wait_for("the snapshot to agree with the CLI", agrees, 40, interval=0.5)
    except AssertionError:
        pytest.fail("snapshot differs from the CLI:\n" + "\n".join(last))

    snap = fetch_snapshot(api)
    assert snap.is_manager and snap.in_swarm and snap.leader and snap.leader.hostname == "node1"
    assert "JoinTokens" not in snap.swarm
    net = next(n for n in snap.networks.values() if n.name == "dnet1")
    assert net.encrypted and net.attachable and net.scope == "swarm" and net.subnets
    web = snap.find_service("dweb")
    assert web and web.labels == {"team": "a"}
    # the broken service is in the health problems with its task error, without any key pressed
    texts = [p.text for p in health.problems(snap)]
    # (explained, not relayed: the exit code, and the constraint no node meets)
    assert any(t.startswith("service dbad: ") and "exiting with code 3" in t for t in texts), texts
    assert any(
        t.startswith("service dpend: 0/1 running")
        and "no node meets node.labels.nowhere==1" in t
        for t in texts
    ), texts
    assert health.summarize(snap).failing_tasks >= 2


def test_fetch_kind_relists_one_kind(lab: Lab, api: Any) -> None:
    snap = fetch_snapshot(api)
    lab.ssh("node1", "docker node update --label-add dkind=1 node2")
    try:
        again = fetch_kind(api, "nodes", snap)
        assert again.node_by_hostname("node2").labels.get("dkind") == "1"  # type: ignore[union-attr]
        assert again.tasks is snap.tasks and again.services is snap.services
        assert again.kind_taken_at["nodes"] > snap.kind_taken_at["nodes"]
    finally:
        lab.ssh("node1", "docker node update --label-rm dkind node2")


def test_worker_gives_a_snapshot_that_says_so(
    lab: Lab, ssh_forward: Callable[[Lab, str], Any]
) -> None:
    client = docker.APIClient(base_url=ssh_forward(lab, "node2").base_url, version="auto")
    try:
        snap = fetch_snapshot(client)
    finally:
        client.close()
    assert snap.in_swarm and not snap.is_manager and not snap.nodes
    assert snap.message and "worker" in snap.message and "100.64." in snap.message


def test_events_arrive_for_a_cli_scale_and_close_stops_the_thread(lab: Lab, api: Any) -> None:
    lab.ssh(
        "node1", "docker service create -d --no-resolve-image --name devt busybox:latest sleep 1d"
    )
    kinds: list[str] = []
    ended: list[BaseException | None] = []
    got = threading.Event()

    def on_event(kind: str) -> None:
        kinds.append(kind)
        if kind == "services":
            got.set()

    watcher = EventWatcher(api, on_event=on_event, on_end=ended.append).start()
    try:
        assert watcher.wait_ready(10)
        t0 = time.monotonic()
        lab.ssh("node1", "docker service scale -d devt=2")
        assert got.wait(10), f"no service event; saw {kinds}"
        print(f"service event {time.monotonic() - t0:.3f} s after the CLI scale returned")
    finally:
        watcher.close()
        lab.ssh("node1", "docker service rm devt", check=False)
    wait_for("the watcher thread to end", lambda: not watcher.alive, 5)
    assert ended == []  # closed by us: no on_end
    snap = fetch_snapshot(api)
    assert snap.find_service("devt") is None


def test_on_end_is_called_when_the_tunnel_goes(
    lab: Lab, ssh_forward: Callable[[Lab, str], Any]
) -> None:
    fwd = ssh_forward(lab, "node1")
    client = docker.APIClient(base_url=fwd.base_url, version="auto")
    ended: list[BaseException | None] = []
    done = threading.Event()

    def on_end(err: BaseException | None) -> None:
        ended.append(err)
        done.set()

    watcher = EventWatcher(client, on_event=lambda kind: None, on_end=on_end).start()
    try:
        assert watcher.wait_ready(10)
        fwd.close()  # the SSH tunnel dies under the stream
        assert done.wait(15), "on_end was not called after the tunnel closed"
        wait_for("the watcher thread to end", lambda: not watcher.alive, 5)
        assert len(ended) == 1
        assert ended[0] is None or "event stream" in str(ended[0])
    finally:
        watcher.close()
        client.close()


def test_lost_quorum_gives_a_snapshot_that_says_so(
    make_lab: Callable[..., Lab], ssh_forward: Callable[[Lab, str], Any]
) -> None:
    from swarmtui.swarm.ops.services import ScaleService

    lab = make_lab(nodes=3, managers=3)
    client = docker.APIClient(base_url=ssh_forward(lab, "node1").base_url, version="auto")
    try:
        before = fetch_snapshot(client)
        assert len(before.managers) == 3 and health.summarize(before).tolerance == 1
        lab.ssh(
            "node1", "docker service create -d --no-resolve-image --name dq busybox:latest sleep 1d"
        )
        svc = fetch_snapshot(client).find_service("dq")
        assert svc is not None
        lab.stop_dockerd("node2")
        lab.stop_dockerd("node3")
        snap = wait_for(
            "node1 to notice it has no leader",
            lambda: (s := fetch_snapshot(client)).message and s,
            QUORUM_LOSS_S,
        )
        assert "no leader" in snap.message and "quorum" in snap.message  # type: ignore[operator]
        problems = health.problems(snap)
        assert problems[0].severity == "critical" and "no leader" in problems[0].text
        assert "no leader" in ScaleService(svc, "2").guard(snap).blocks[0]
        cli = lab.ssh("node1", "docker node ls", check=False)
        print("docker node ls says:", cli)
    finally:
        client.close()


def test_store_shows_a_first_view_before_the_tasks_then_everything(
        lab: Lab, api: Any, services: list[str]) -> None:
    """The store's first full list publishes nodes and services (with their running counts)
    before the task list, then the whole snapshot; the CLI is the oracle for the counts."""
    import asyncio

    # services and tasks of its own: the session lab may hold none when this test runs
    wait_for("the tasks of dglob", lambda: lab.ssh("node1", "docker service ps -q dglob"), 60)

    from swarmtui.swarm.sync.live import ApiStore

    heard: list[tuple[ClusterSnapshot, frozenset[str]]] = []

    store = ApiStore(api, label="first-view", poll_interval=30)
    store.start(Heard(heard))
    try:
        wait_for("two snapshots", lambda: len(heard) >= 2, 20)
    finally:
        asyncio.run(store.stop())
    (first, first_kinds), (full, full_kinds) = heard[:2]
    assert not first.listed("tasks") and not first.tasks and "tasks" not in first_kinds
    assert first.listed("services") and first.listed("nodes")
    assert full.listed("tasks") and full.tasks and full_kinds >= {"tasks", "services"}
    cli = lab.ssh("node1", "docker service ls --format '{{.Name}}'")
    assert {s.name for s in first.services.values()} == {
        line.strip() for line in cli.splitlines() if line.strip()}
    # each was assessed by the store before it was handed over
    assert all("health" in snap.__dict__.get("_memo", {}) for snap, _ in heard)
    assert store.snapshot is heard[-1][0]


def test_an_unchanged_poll_says_nothing_changed_and_keeps_every_object(
        lab: Lab, api: Any) -> None:
    """A poll whose lists changed nothing (by version index) is published with no kinds —
    the panes rebuild no row — and the very same task objects; a real change (the CLI
    scales a service) is published with the tasks and services that changed."""
    import asyncio

    from swarmtui.swarm.sync.live import ApiStore

    lab.ssh("node1", "docker service create -d --no-resolve-image --name dquiet "
                     "--replicas 1 busybox:latest sleep 1d")
    heard: list[tuple[ClusterSnapshot, frozenset[str]]] = []

    def running(n: int) -> Callable[[], bool]:
        return lambda: any(
            s.name == "dquiet" and s.running == n for snap, _ in heard[-1:]
            for s in snap.services.values())

    store = ApiStore(api, label="quiet", poll_interval=0.3)
    store.start(Heard(heard))
    try:
        wait_for("dquiet running", running(1), 90)
        # the cluster settles: a poll then changes nothing
        wait_for("an unchanged poll", lambda: len(heard) > 1 and heard[-1][1] == frozenset()
                 and heard[-1][0].taken_at > heard[-2][0].taken_at, 90)
        (before, _), (quiet, _) = heard[-2:]
        assert quiet is not before  # a newer snapshot (its time) ...
        assert quiet.tasks.keys() == before.tasks.keys()  # ... of the same objects
        assert all(quiet.tasks[k] is before.tasks[k] for k in before.tasks)
        assert all(quiet.services[k] is before.services[k] for k in before.services)
        cli = lab.ssh("node1", "docker service ps -q dquiet").split()
        assert {t.id for t in quiet.tasks.values()
                if quiet.services.get(t.service_id) and
                quiet.services[t.service_id].name == "dquiet"} >= set(cli)
        seen = len(heard)
        lab.ssh("node1", "docker service scale -d dquiet=2")
        wait_for("dquiet scaled", running(2), 90)
        assert any("tasks" in kinds and "services" in kinds for _, kinds in heard[seen:])
    finally:
        asyncio.run(store.stop())
        lab.ssh("node1", "docker service rm dquiet", check=False)


def test_the_engines_task_list_is_read_by_heads_and_a_relist_decodes_only_what_moved(
        lab: Lab, api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real engine begins every task with its ID and version index (jsonlist.heads):
    the heads agree with `docker inspect`, and a re-list after the CLI scales a service
    decodes only the tasks whose version moved, giving what decoding the whole list gives."""
    import json

    from swarmtui.swarm.fetch import iter_kind
    from swarmtui.swarm.jsonlist import Listing
    from swarmtui.swarm.sync import merge

    lab.ssh("node1", "docker service create -d --no-resolve-image --name dheads "
                     "--replicas 2 busybox:latest sleep 1d")
    try:
        def cli_versions() -> dict[str, int]:
            ids = lab.ssh("node1", "docker inspect --type task --format "
                                   "'{{.ID}} {{.Version.Index}}' $(docker service ps -q "
                                   "--no-trunc dheads)").split()
            return {ids[i]: int(ids[i + 1]) for i in range(0, len(ids), 2)}

        def settled() -> Listing | None:  # the CLI sees what the list said, version by version
            listing = iter_kind(api, "tasks")
            assert isinstance(listing, Listing)
            heads = listing.heads()
            assert heads is not None, "the engine's tasks do not begin with ID, Version"
            mine = {tid: version for tid, version, _, _ in heads}
            # dheads's tasks only: the session lab's other services (other tests') move
            cli = cli_versions()
            same = len(cli) >= 2 and all(mine.get(t) == v for t, v in cli.items())
            return listing if same else None

        def running() -> list[str]:  # dheads's tasks that run (they change no more)
            out = lab.ssh("node1", "docker service ps --no-trunc --filter desired-state=running "
                                   "--format '{{.ID}} {{.CurrentState}}' dheads")
            return [p[0] for p in (line.split() for line in out.splitlines())
                    if len(p) > 1 and p[1] == "Running"]

        wait_for("dheads running", lambda: len(running()) == 2, 90)
        first_list = wait_for("dheads listed", settled, 90)
        first = merge.merge_kind("tasks", None, first_list)
        steady = running()
        lab.ssh("node1", "docker service scale -d dheads=3")
        wait_for("dheads scaled", lambda: len(running()) == 3, 90)
        again_list = wait_for("the scale listed", settled, 90)
        pieces: list[bytes] = []
        real = json.loads
        monkeypatch.setattr(merge.json, "loads",
                            lambda b: (isinstance(b, bytes) and pieces.append(b)) or real(b))
        again = merge.merge_kind("tasks", first, again_list)
        monkeypatch.setattr(merge.json, "loads", real)
        whole = merge.merge_kind("tasks", first, json.loads(again_list.body))
        assert list(again) == list(whole)
        assert all(again[k] == whole[k] and (again[k] is first.get(k)) ==
                   (whole[k] is first.get(k)) for k in again)
        moved = {k for k in again if again[k] is not first.get(k)}
        assert moved and {real(b)["ID"] for b in pieces} == moved
        assert not moved & set(steady) and set(steady) <= set(again)  # running: not decoded
    finally:
        lab.ssh("node1", "docker service rm dheads", check=False)
