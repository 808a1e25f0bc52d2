"""The store's pure parts: the one merge rule, health once per snapshot, the static store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from swarmtui.swarm import health
from swarmtui.swarm.state import ClusterSnapshot, build_kind
from swarmtui.swarm.sync.merge import merge_kind
from swarmtui.swarm.sync.store import StaticStore
from swarmtui.swarm.sync.view import LinkView
from tests.unit.test_swarm_fixtures import cluster, service, snap, task


def test_unchanged_tasks_are_reused_on_relist() -> None:
    first = build_kind("tasks", [task("t1", "s1", version=5), task("t2", "s1", slot=2, version=7)])
    again = merge_kind(
        "tasks",
        first,
        [task("t1", "s1", version=5), task("t2", "s1", slot=2, state="failed", version=8)],
    )
    assert again["t1"] is first["t1"]
    assert again["t2"] is not first["t2"] and again["t2"].state == "failed"
    # a service's running counts change without a version bump: they are compared too
    s1 = build_kind("services", [service("s1", "web", replicas=2, running=1)])
    s2 = merge_kind("services", s1, [service("s1", "web", replicas=2, running=2)])
    assert s2["s1"].running == 2
    s3 = merge_kind("services", s2, [service("s1", "web", replicas=2, running=2)])
    assert s3["s1"] is s2["s1"]


def test_merge_drops_what_is_gone_and_rebuilds_networks_and_changed_nodes() -> None:
    first = build_kind("tasks", [task("t1", "s1", version=5), task("t2", "s1", slot=2)])
    assert set(merge_kind("tasks", first, [task("t2", "s1", slot=2)])) == {"t2"}
    nodes = cluster(1)
    old = build_kind("nodes", nodes)
    same = merge_kind("nodes", old, nodes)
    assert all(same[k] is old[k] for k in old)
    down = [dict(nodes[0], Status={"State": "down"}), *nodes[1:]]  # same version index
    changed = merge_kind("nodes", old, down)
    assert changed[nodes[0]["ID"]] is not old[nodes[0]["ID"]]
    assert changed[nodes[0]["ID"]].state == "down"
    net = {"ID": "n1", "Name": "appnet", "Driver": "overlay", "Scope": "swarm"}
    nets = build_kind("networks", [net])
    assert merge_kind("networks", nets, [net])["n1"] is not nets["n1"]  # no version index


def test_tasks_of_removed_services_do_not_count() -> None:
    s = snap(services=[service("s1", "web")],
             tasks=[task("t1", "s1"), task("t2", "gone", state="failed")])
    assert [t.id for t in s.live_tasks] == ["t1"]
    assert not s.is_live(s.tasks["t2"])
    assert health.assess(s, datetime.now(UTC)).failing == frozenset()


class Recorder:
    """A StoreListener that keeps what it heard."""

    def __init__(self) -> None:
        self.snapshots: list[tuple[ClusterSnapshot, frozenset[str]]] = []
        self.views: list[LinkView] = []
        self.failures: list[BaseException] = []

    def on_snapshot(self, snapshot: ClusterSnapshot, kinds: frozenset[str]) -> None:
        self.snapshots.append((snapshot, kinds))

    def on_link(self, view: LinkView) -> None:
        self.views.append(view)

    def on_connect_failed(self, error: BaseException) -> None:
        self.failures.append(error)


def test_static_store_publishes_once_with_health_at_its_fixed_now(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, str]] = []
    real = health.assess

    def counting(s: ClusterSnapshot, now: datetime) -> health.Health:
        calls.append((id(s), threading.current_thread().name))
        return real(s, now)

    monkeypatch.setattr(health, "assess", counting)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    recorded = snap(nodes=cluster(3, unreachable=1), services=[service("s1", "web", running=0)])
    store = StaticStore(recorded, label="rec", now=now)
    listener = Recorder()
    store.start(listener)
    assert store.snapshot is recorded and store.now() == now and not store.live
    assert [k for _, k in listener.snapshots] == [frozenset(
        ("nodes", "services", "tasks", "networks", "secrets", "configs"))]
    assert listener.views[0].state == "static"
    assessed = health.of(recorded)
    assert assessed.at == now and health.problems(recorded) == list(assessed.problems)
    assert any(p.kind == "service" for p in assessed.problems)
    assert len(calls) == 1  # every later read is the one assessment


def test_no_store_no_api() -> None:
    from swarmtui.swarm.fetch import FetchError

    store = StaticStore(snap())
    with pytest.raises(FetchError):
        store.api()
    with pytest.raises(FetchError):
        store.inspect("nodes", "x")




def test_check_asks_the_operation_with_the_engine_and_the_current_snapshot() -> None:
    """The confirm screen's I/O lookup (an image on the nodes) is a store call: ui/ never
    holds the API client."""
    from swarmtui.swarm.fetch import FetchError
    from swarmtui.swarm.ops.base import GuardResult
    from swarmtui.swarm.sync.live import ApiStore

    asked: list[tuple[object, object]] = []

    class Lookup:
        def check_io(self, api: object, snapshot: ClusterSnapshot) -> GuardResult:
            asked.append((api, snapshot))
            return GuardResult(warnings=("found",))

    engine = object()
    store = ApiStore(engine)
    with pytest.raises(FetchError):  # no snapshot yet: nothing to check against
        store.check(Lookup())
    recorded = snap()
    store._snapshot = recorded
    assert store.check(Lookup()).warnings == ("found",)
    assert asked == [(engine, recorded)]
    with pytest.raises(FetchError):  # a recorded state has no engine to ask
        StaticStore(recorded).check(Lookup())
