"""Node reach, the pure parts: routes, failure classes, probe classification, parsers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncssh
import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.errors import (
    AuthFailedError,
    EndpointError,
    HostKeyChangedError,
    HostKeyNotTrustedError,
    HostUnreachableError,
)
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.noderoute import ReachFailure, classify, resolve_route, ssh_config_has_host
from swarmtui.connect.nodes import NodePool, NodeUnreachableError
from swarmtui.connect.options import ConnectOptions
from swarmtui.swarm.reach.exec import exec_command
from swarmtui.swarm.reach.probe import (
    Cause,
    HostFacts,
    diagnose,
    parse_facts,
    start_command,
)
from swarmtui.swarm.reach.stats import (
    ContainerSample,
    container_cpu_percent,
    cpu_percent,
    parse_host_sample,
)


def cfg(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "ssh_config"
    p.write_text(text)
    return p


# --- routes ------------------------------------------------------------------------


def test_route_order_node_map_then_ssh_config_then_address(tmp_path: Path) -> None:
    files = [cfg(tmp_path, "Host node2 node3\n  HostName 10.0.0.2\nHost *\n  User admin\n"
                           "Host web-* !web-9\n  User w\n")]
    manager = parse_endpoint("jump-manager")
    mapped = resolve_route("node2", "10.9.9.9", node_map={"node2": "ops@10.1.1.2:2222"},
                           ssh_config=files, manager=manager)
    assert mapped.source == "profile" and mapped.endpoint.host == "10.1.1.2"
    assert mapped.endpoint.user == "ops" and mapped.endpoint.port == 2222
    alias = resolve_route("node3", "10.9.9.9", node_map={}, ssh_config=files, manager=manager)
    assert alias.source == "ssh_config" and alias.endpoint.host == "node3"
    # `Host *` alone does not count as naming the node; a negated pattern excludes it
    addr = resolve_route("web-9", "10.0.0.9", node_map={}, ssh_config=files, manager=manager)
    assert addr.source == "address" and addr.endpoint.host == "10.0.0.9"
    assert addr.endpoint.config_host == "jump-manager"  # the manager's user, key, ProxyJump
    assert addr.ssh_name == "-o HostName=10.0.0.9 jump-manager"
    assert resolve_route("web-1", "10.0.0.1", node_map={}, ssh_config=files,
                         manager=manager).source == "ssh_config"
    with pytest.raises(EndpointError, match="no address"):
        resolve_route("lost", "0.0.0.0", node_map={}, ssh_config=files, manager=manager)
    with pytest.raises(EndpointError):
        resolve_route("x", "", node_map={"x": "tcp://h:2375"}, ssh_config=files, manager=None)


@given(st.text(max_size=300), st.text(max_size=40))
def test_ssh_config_scan_never_raises(text: str, host: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "c"
        p.write_text(text, encoding="utf-8", errors="replace")
        assert ssh_config_has_host([p], host) in (True, False)


def test_failures_are_classified() -> None:
    def caused(exc: Exception, cause: BaseException) -> Exception:
        exc.__cause__ = cause
        return exc

    assert classify(HostKeyChangedError("h", "SHA256:x", "/k", 3)) is \
        ReachFailure.HOST_KEY_CHANGED
    assert classify(HostKeyNotTrustedError("no")) is ReachFailure.HOST_KEY_NOT_TRUSTED
    assert classify(AuthFailedError("no")) is ReachFailure.AUTH_FAILED
    assert classify(caused(HostUnreachableError("x"), ConnectionRefusedError())) is \
        ReachFailure.SSH_REFUSED
    assert classify(caused(HostUnreachableError("x"), TimeoutError())) is \
        ReachFailure.HOST_UNREACHABLE
    assert classify(caused(HostUnreachableError("open failed"),
                           asyncssh.ChannelOpenError(2, "Connection refused"))) is \
        ReachFailure.SSH_REFUSED


async def test_pool_backs_off_and_answers_the_fact_at_once(tmp_path: Path) -> None:
    """A node whose name leads nowhere: the first use fails, the second is answered from
    the fact without a new attempt, until the backoff delay has passed."""
    now = [100.0]
    pool = NodePool(ConnectOptions(trust=fixed_trust("never"), ssh_config=[]),
                    manager=None, clock=lambda: now[0], backoff_initial=2.0)
    with pytest.raises(NodeUnreachableError) as first:
        await pool.connection("ghost", "0.0.0.0")
    assert first.value.fact.reason is ReachFailure.NO_ROUTE
    assert pool.figures.failures == 1
    with pytest.raises(NodeUnreachableError):
        await pool.connection("ghost", "0.0.0.0")
    assert pool.figures.failures == 1  # NO_ROUTE is final: not tried again by itself
    pool.forget("ghost")
    with pytest.raises(NodeUnreachableError):
        await pool.connection("ghost", "0.0.0.0")
    assert pool.figures.failures == 2
    await pool.close()


async def test_pool_follows_the_new_manager_after_a_failover() -> None:
    """A node reached by its swarm address borrows the manager's SSH settings: after a
    failover its route is made from the new manager's, and old failures are forgotten
    (even a final one: it is tried again the new way). No network: the failure is one of
    no route."""
    old = parse_endpoint("ssh://bob@manager1")
    pool = NodePool(ConnectOptions(trust=fixed_trust("never"), ssh_config=[]), manager=old)
    assert pool.route("w1", "10.0.0.9").endpoint.user == "bob"
    with pytest.raises(NodeUnreachableError):
        await pool.connection("ghost", "0.0.0.0")
    assert pool.unreachable("ghost") is not None
    new = parse_endpoint("ssh://alice@manager2:2200")
    assert await pool.follow_manager(new) == ["ghost"]
    assert pool.unreachable("ghost") is None and pool.manager == new
    route = pool.route("w1")
    assert route.source == "address" and route.endpoint.host == "10.0.0.9"
    assert (route.endpoint.user, route.endpoint.port) == ("alice", 2200)
    assert await pool.follow_manager(new) == []  # the same manager: nothing to redo
    await pool.close()


def test_pool_call_needs_its_loop() -> None:
    pool = NodePool(ConnectOptions(trust=fixed_trust("never")))

    async def nothing() -> int:
        return 1

    with pytest.raises(Exception, match="not running"):
        pool.call(nothing())
    loop = asyncio.new_event_loop()
    pool.bind(loop)
    loop.close()


# --- probe -------------------------------------------------------------------------


def facts(**kw: object) -> HostFacts:
    base: dict[str, object] = dict(clock_offset=0.0, clock_uncertainty=0.01, as_root=True,
                                   starter="systemd", socket=True, docker_rc=0,
                                   info="abc123|active|false|")
    base.update(kw)
    return HostFacts(**base)  # type: ignore[arg-type]


def test_diagnose_each_cause() -> None:
    down = diagnose("n", "abc123", facts(docker_rc=1, socket=False, info="Cannot connect to "
                                         "the Docker daemon at unix:///var/run/docker.sock."))
    assert down.cause is Cause.DOCKERD_DOWN and down.fix == "start-engine"
    assert "systemctl start docker" in down.detail
    assert diagnose("n", "abc123", facts(info="abc123|locked|false|")).cause is Cause.LOCKED
    assert diagnose("n", "abc123", facts(info="abc123|locked|false|")).fix == "unlock"
    assert diagnose("n", "abc123", facts(info="|inactive|false|")).cause is Cause.LEFT_SWARM
    other = diagnose("n", "abc123", facts(info="zzz999|active|false|"))
    assert other.cause is Cause.LEFT_SWARM and "re-joined" in other.detail
    skew = diagnose("n", "abc123", facts(clock_offset=-42.0))
    assert skew.cause is Cause.CLOCK_SKEW and "42.0 s behind" in skew.detail
    assert diagnose("n", "abc123", facts(clock_offset=3.0)).cause is Cause.HEALTHY
    assert diagnose("n", "abc123", facts(), "down").cause is Cause.NOT_HEARD


def test_start_commands() -> None:
    assert start_command("systemd", True) == "systemctl start docker"
    assert start_command("sysvinit", False) == "sudo -n sh -c 'service docker start'"
    assert start_command("lab", True) == "/etc/docker/swarmtui-lab-dockerd start"
    assert start_command("none", True) is None


def test_parse_facts_reads_the_probe() -> None:
    out = ("clock 1000.5\nuid 0\nstarter lab\nsocket yes\ninforc 0\n"
           "info abc|active|true|\n")
    f = parse_facts(out, 1000.0, 1000.2)
    assert f.starter == "lab" and f.as_root and f.socket and f.docker_rc == 0
    assert f.clock_offset == pytest.approx(0.4) and f.clock_uncertainty == pytest.approx(0.1)
    assert f.swarm["LocalNodeState"] == "active"


@given(st.text(max_size=500))
def test_probe_parsers_never_raise(text: str) -> None:
    f = parse_facts(text, 1.0, 2.0)
    diagnose("n", "id", f, "down")
    parse_host_sample(text)


# --- stats ---------------------------------------------------------------------------


def test_host_sample_and_cpu() -> None:
    a = parse_host_sample("cpu  100 0 100 800 0 0 0 0 0 0\nMemTotal: 1000 kB\n"
                          "MemAvailable: 250 kB\n/dev/sda1 5000 3000 2000 60% /var/lib/docker\n")
    b = parse_host_sample("cpu  150 0 150 900 0 0 0 0 0 0\n")
    assert a.mem_total == 1024000 and a.mem_available == 256000
    assert (a.disk_size, a.disk_free) == (5000, 2000)
    assert cpu_percent(a.cpu, b.cpu) == pytest.approx(50.0)
    assert cpu_percent(None, b.cpu) is None


def test_container_cpu_as_docker_stats() -> None:
    before = ContainerSample("c", 1_000, 10_000, 2, 0, 0)
    after = ContainerSample("c", 2_000, 20_000, 2, 0, 0)
    assert container_cpu_percent(before, after) == pytest.approx(20.0)
    assert container_cpu_percent(None, after) is None


# --- exec ----------------------------------------------------------------------------


def test_exec_command_quotes_and_tty() -> None:
    assert exec_command("abc", ["sh", "-c", "exit 7"], tty_=False) == \
        "docker exec -i abc sh -c 'exit 7'"
    assert exec_command("abc", ["sh"], tty_=True) == "docker exec -it abc sh"


# --- doctor --------------------------------------------------------------------------


def _node(state: str) -> dict[str, object]:
    return {"ID": "n1", "Version": {"Index": 1}, "Description": {"Hostname": "ghost"},
            "Spec": {"Role": "worker", "Availability": "active"},
            "Status": {"State": state, "Addr": "0.0.0.0"}}


async def test_doctor_probes_down_nodes_once_per_state_and_forgets_ready_ones() -> None:
    from swarmtui.swarm.reach.doctor import Doctor
    from swarmtui.swarm.state import ClusterSnapshot

    now = [0.0]
    seen: list[str] = []
    pool = NodePool(ConnectOptions(trust=fixed_trust("never")))
    doctor = Doctor(pool, on_diagnosis=lambda nid, d: seen.append(nid), recheck=10,
                    clock=lambda: now[0])
    down = ClusterSnapshot.from_api(nodes=[_node("down")])
    assert doctor.update(down) == ["n1"]
    assert doctor.update(down) == []  # in flight
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.01)
    assert seen == ["n1"] and doctor.diagnoses["n1"].cause is Cause.UNKNOWN  # no route to it
    assert doctor.update(down) == []  # answered, not yet due again
    now[0] = 11
    assert doctor.update(down) == ["n1"]
    await doctor.close()
    doctor.update(ClusterSnapshot.from_api(nodes=[_node("ready")]))
    assert doctor.diagnoses == {}


def test_place_of_a_task_row() -> None:
    from swarmtui.swarm.reach.exec import TaskNotFoundError, place_of
    from swarmtui.swarm.state import ClusterSnapshot

    node = {"ID": "n1", "Description": {"Hostname": "node2"}, "Status": {"State": "ready",
                                                                         "Addr": "10.0.0.2"}}
    svc = {"ID": "s1", "Spec": {"Name": "web"}}

    def task(tid: str, state: str) -> dict[str, object]:
        return {"ID": tid, "ServiceID": "s1", "Slot": 2, "NodeID": "n1",
                "DesiredState": "running",
                "Status": {"State": state, "ContainerStatus": {"ContainerID": "c" * 64}}}

    snap = ClusterSnapshot.from_api(nodes=[node], services=[svc],
                                    tasks=[task("t1", "running"), task("t2", "failed")])
    place = place_of(snap, "t1")
    assert (place.name, place.hostname, place.address) == ("web.2", "node2", "10.0.0.2")
    with pytest.raises(TaskNotFoundError):
        place_of(snap, "t2")


def test_sampler_follows_ready_nodes_and_their_running_containers() -> None:
    from swarmtui.swarm.reach.stats import Sampler
    from swarmtui.swarm.state import ClusterSnapshot

    def node(nid: str, host: str, state: str) -> dict[str, object]:
        return {"ID": nid, "Description": {"Hostname": host},
                "Status": {"State": state, "Addr": f"10.0.0.{nid[-1]}"}}

    def task(tid: str, nid: str, state: str) -> dict[str, object]:
        return {"ID": tid, "ServiceID": "s", "NodeID": nid, "DesiredState": "running",
                "Status": {"State": state, "ContainerStatus": {"ContainerID": f"c-{tid}"}}}

    snap = ClusterSnapshot.from_api(
        nodes=[node("n1", "a", "ready"), node("n2", "b", "down")],
        tasks=[task("t1", "n1", "running"), task("t2", "n1", "failed"),
               task("t3", "n2", "running")])
    sampler = Sampler(NodePool(ConnectOptions(trust=fixed_trust("never"))), lambda s: None)
    sampler.follow(snap)
    assert sampler.nodes == {"a": ("10.0.0.1", ("c-t1",))}


@pytest.mark.parametrize("argv, code, text", [
    ([], 2, "required: task"),
    (["--trust-host-key", "bogus", "web.1"], 2, "invalid choice"),
    (["--profile", "nope", "web.1"], 125, "there is no profile 'nope'"),
    (["--ssh-config", "/nonexistent/cfg", "node1", "web.1"], 125, "does not exist"),
    (["--read-only", "node1", "web.1", "--", "true"], 125, "read-only"),
])
def test_exec_cli_bad_input_is_a_sentence_and_an_exit_code(
        argv: list[str], code: int, text: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from swarmtui.exec_cli import run_exec

    monkeypatch.setenv("SWARMTUI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("SWARMTUI_STATE_DIR", str(tmp_path))
    try:
        got = run_exec(argv)
    except SystemExit as exc:  # argparse's usage errors
        got = int(exc.code or 0)
    err = capsys.readouterr().err
    assert got == code and text in err and "Traceback" not in err


def test_a_found_cause_is_on_the_node_row_and_in_its_problem_line() -> None:
    from dataclasses import replace

    from swarmtui.swarm import health
    from swarmtui.ui.panes.nodes import node_row
    from tests.unit.test_swarm_fixtures import node, snap

    base = snap(nodes=[node("m1", "mgr1", role="manager", leader=True),
                       node("w1", "wrk1", state="down")])
    cause = "SSH answers but dockerd is not running: start it: systemctl start docker"
    found = replace(base, causes={"w1": cause})
    for s, want in ((base, "Down"), (found, "Down: dockerd not running")):
        assert node_row(s, s.nodes["w1"], health.of(s)).cells[1] == want
        assert node_row(s, s.nodes["m1"], health.of(s)).cells[1] == "Ready"
    texts = [p.text for p in health.of(found).problems if p.object_id == "w1"]
    assert len(texts) == 1 and texts[0].startswith("wrk1 is Down") \
        and texts[0].endswith(f" — {cause}")
    assert not any(cause in p.text for p in health.of(base).problems)


def test_new_stats_keep_what_the_snapshot_derived_and_read_as_cells() -> None:
    from datetime import UTC, datetime

    from swarmtui.swarm import health
    from swarmtui.swarm.reach.stats import NodeStats, TaskStats, node_cells, task_cells
    from swarmtui.swarm.state import ClusterSnapshot

    snap = ClusterSnapshot()
    assessed = health.assessed(snap, datetime(2026, 1, 1, tzinfo=UTC))
    sample = NodeStats("n1", 0.0, 7.4, 812 * 1024**2, 3900 * 1024**2, 12 * 1024**3, 40 * 1024**3)
    newer = snap.with_stats({"n1": sample})
    assert health.of(newer) is assessed and snap.stats == {} and newer.stats["n1"] is sample
    newer.memo("only-newer", lambda: 1)
    assert "only-newer" not in snap.__dict__["_memo"]  # the memo is copied, not shared
    assert node_cells(sample) == ("7%", "812M/3.8G", "12G")
    assert node_cells(NodeStats("n1", 0.0)) == ("…", "", "")  # a first sample: no CPU yet
    assert node_cells(NodeStats("n1", 0.0, unreachable="SSH refused")) == ("—", "—", "—")
    assert node_cells(None) == ("", "", "")
    assert task_cells(TaskStats("c", 0.04, 13 * 1024**2 + 1, 0)) == ("0.0%", "13M")
    assert task_cells(TaskStats("c", 150.0, 900 * 1024, 0)) == ("150.0%", "900K")


def test_a_reconnect_to_another_manager_points_the_node_pool_at_it() -> None:
    """The store's link (re)connected — after a failover, to another manager: the node
    pool is told the endpoint the link now uses (it rebuilds the routes made from the
    old one's settings, tests above)."""
    from swarmtui.connect.linkstatus import LinkState, LinkStatus
    from swarmtui.swarm.sync.link import LinkStore

    class Link:  # the few things LinkStore reads of a ClusterLink before it starts
        cluster = "prod"
        endpoint = parse_endpoint("ssh://alice@manager2")

    class Reach:
        def __init__(self) -> None:
            self.followed: list[object] = []

        def follow_manager(self, manager: object) -> None:
            self.followed.append(manager)

    store = LinkStore(Link())  # type: ignore[arg-type]
    reach = Reach()
    store.reach = reach  # type: ignore[assignment]

    def status(generation: int) -> LinkStatus:
        return LinkStatus(LinkState.CONNECTED, "manager2", "ssh", 1.0, None, generation)

    store._on_link(status(1))
    store._on_link(status(1))  # the same connection: nothing to follow
    Link.endpoint = parse_endpoint("ssh://alice@manager3")
    store._on_link(status(2))
    assert reach.followed == [parse_endpoint("ssh://alice@manager2"),
                              parse_endpoint("ssh://alice@manager3")]


async def test_unasked_holds_for_its_own_task_and_the_tasks_it_starts() -> None:
    import asyncio

    from swarmtui.connect.options import may_ask, unasked

    seen: list[bool] = []

    async def look() -> None:
        seen.append(may_ask())

    assert may_ask()
    with unasked():
        assert not may_ask()
        await asyncio.create_task(look())  # started within: unasked too
    await asyncio.create_task(look())
    assert may_ask() and seen == [False, True]
