"""Speed as a user sees it (issue 17): ONE table of figures, each beside its target.

    SWARMTUI_TEST_LAB=u python -m pytest tests/perf/bench_start.py -m perf -s

Whole process, from the shell: `swarmtui --ssh-config CFG node1` started in an 80×24 tmux
pane (tmux is a lab package); the screen is read with `tmux capture-pane` every few ms until
it shows what the figure names (all nodes and the header's service count; the tab's task
count; the pane's column header; the filter's echo). The docker CLI over ssh does the same
four listings in the same run. Peak RSS is the swarmtui process's VmHWM, idle CPU its
utime+stime over SWARMTUI_BENCH_IDLE_S (default 60) from /proc/PID/stat.

At scale: 2,000 services × 10 Pending tasks (20,000 real tasks, LAB.md) on a real lab, and
1,000 nodes / 5,000 services / 100,000 tasks from a RECORDED-SHAPE API server (rshape.py)
behind a real SSH hop. The UI-thread work of a poll comes from the in-process bench
(bench_ui's first view, the table's prepare/apply_prepared).

Reuse labs while iterating: SWARMTUI_BENCH_LAB=NAME (3 nodes), SWARMTUI_BENCH_SCALE_LAB=NAME
(already holding the 20,000 tasks). SWARMTUI_BENCH_PARTS=small,scale,uithread,rshape picks parts.
Not pass/fail: figures only (a run that cannot measure fails, of course).
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from swarmtui import codecache
from swarmtui.lab import Lab
from tests.perf import rshape
from tests.waiting import wait_for

pytestmark = [pytest.mark.perf, pytest.mark.lab]

ROOT = Path(__file__).resolve().parents[2]
IDLE_S = float(os.environ.get("SWARMTUI_BENCH_IDLE_S", "60"))
PARTS = set(os.environ.get("SWARMTUI_BENCH_PARTS", "small,scale,uithread,rshape").split(","))
RUNS = 5
#: the swarmtui process's environment: bytecode cached (__pycache__, git-ignored), as after a
#: pip install — this machine sets PYTHONDONTWRITEBYTECODE, which recompiles swarmtui's ~90
#: modules on every start (+0.5–2 s of `compile`), which no user's install does
APP_ENV = {"PYTHONPATH": str(ROOT)}
_ids = itertools.count()
ROWS: list[tuple[str, str, str]] = []


def row(name: str, value: str, target: str = "") -> None:
    ROWS.append((name, value, target))
    print(f"BENCH {name:<58} {value:>12}  {target}", flush=True)  # as it goes, too


LOAD: list[str] = []


def load_now(when: str) -> None:
    """The machine's load average (it is shared: figures depend on it)."""
    one, five, _ = os.getloadavg()
    LOAD.append(f"{when} {one:.1f}/{five:.1f}")


def print_table() -> None:
    width = max((len(n) for n, _, _ in ROWS), default=40)
    print("\n" + "=" * (width + 32))
    print(f"load average (1/5 min, {os.cpu_count()} cores): " + ", ".join(LOAD))
    print(f"{'figure (whole process unless said)':<{width}}  {'measured':>12}  target")
    print("-" * (width + 32))
    for name, value, target in ROWS:
        print(f"{name:<{width}}  {value:>12}  {target}")
    print("=" * (width + 32))


def median_s(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s"


class Tty:
    """swarmtui in an 80×24 tmux pane of a private tmux server."""

    def __init__(self, argv: list[str]) -> None:
        self.sock = f"/tmp/swarmtui-bench-tmux-{os.getpid()}-{next(_ids)}"
        self.argv = argv

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=True).stdout

    def start(self) -> float:
        cmd = "exec env -u PYTHONDONTWRITEBYTECODE " + shlex.join(
            [f"{k}={v}" for k, v in APP_ENV.items()] + ["TERM=xterm-256color", *self.argv])
        t0 = time.perf_counter()
        self._tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "b", cmd)
        return t0

    @property
    def pid(self) -> int:
        return int(self._tmux("display-message", "-p", "-t", "b", "#{pane_pid}").strip())

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "b")

    def keys(self, *keys: str) -> float:
        t0 = time.perf_counter()
        self._tmux("send-keys", "-t", "b", *keys)
        return t0

    def wait(self, what: str, ok: Callable[[str], bool], timeout: float = 60,
             every: float = 0.01) -> float:
        """perf_counter() when the screen first satisfied `ok` (polled every `every` s)."""
        deadline = time.perf_counter() + timeout
        last = ""
        while time.perf_counter() < deadline:
            last = self.screen()
            if ok(last):
                return time.perf_counter()
            time.sleep(every)  # the screen-reader's period, not a wait for a state
        raise AssertionError(f"not on screen within {timeout} s: {what}\n{last}")

    def close(self) -> None:
        subprocess.run(["tmux", "-S", self.sock, "kill-server"], capture_output=True,
                       check=False)
        Path(self.sock).unlink(missing_ok=True)


@contextmanager
def tty(target: str, cfg: Path) -> Iterator[Tty]:
    t = Tty([sys.executable, "-m", "swarmtui", "--ssh-config", str(cfg),
             "--trust-host-key", "never", target])
    try:
        yield t
    finally:
        t.close()


def tab_count(screen: str, label: str) -> int:
    m = re.search(rf"\d {label} (\d+)", screen)
    return int(m.group(1)) if m else -1


def header_services(screen: str) -> int:
    m = re.search(r"services\s+\d+/(\d+)", screen)  # the header may wrap here
    return int(m.group(1)) if m else -1


def full_view(nodes: list[str], services: int) -> Callable[[str], bool]:
    """All (visible) nodes and the header's service count on screen."""
    def ok(s: str) -> bool:
        return (header_services(s) == services and tab_count(s, "Services") == services
                and all(re.search(rf"^ {n}\s", s, re.M) for n in nodes))
    return ok


def vm(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def pane_switch(t: Tty, key: str, header: str) -> float:
    t0 = t.keys(key)
    return t.wait(f"pane {key}", lambda s: re.search(header, s, re.M) is not None,
                  every=0.002) - t0


def _filter_shows(want: str) -> Callable[[str], bool]:
    """The filter line (third from the bottom) shows `want`, or its placeholder when empty."""
    def ok(s: str) -> bool:
        line = s.splitlines()[-3].strip()
        return line == want if want else line.startswith("type to filter")
    return ok


def keystrokes(t: Tty, text: str, rounds: int, sent: list[float] | None = None) -> list[float]:
    """Echo time of each filter keystroke (type `text`, erase it; `rounds` times), ms; the
    perf_counter() each key was sent at goes into `sent`."""
    out: list[float] = []
    sent = [] if sent is None else sent
    t.keys("/")
    t.wait("the filter", _filter_shows(""), every=0.005)
    for _ in range(rounds):
        for i in range(1, len(text) + 1):
            t0 = t.keys("-l", text[i - 1])
            sent.append(t0)
            out.append((t.wait(f"echo {text[:i]!r}", _filter_shows(text[:i]), every=0.002)
                        - t0) * 1000)
        for i in range(len(text) - 1, -1, -1):
            t0 = t.keys("BSpace")
            sent.append(t0)
            out.append((t.wait(f"echo {text[:i]!r}", _filter_shows(text[:i]), every=0.002)
                        - t0) * 1000)
    t.keys("Escape")
    return out


def cli_view(lab: Lab) -> float:
    t0 = time.perf_counter()
    for cmd in ("docker node ls", "docker service ls",
                "docker service ps $(docker service ls -q)", "docker network ls"):
        subprocess.run(lab.ssh_argv("node1", cmd), check=True, capture_output=True)
    return time.perf_counter() - t0


def import_seconds() -> float:
    code = ("import time; t = time.perf_counter(); import swarmtui.ui.app; "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=app_env()).stdout
    return float(out)


def app_env() -> dict[str, str]:
    env = {**os.environ, **APP_ENV}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_bytecode() -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "swarmtui")],
                   env=app_env(), capture_output=True, check=False)


def _reuse(env: str) -> Lab | None:
    name = os.environ.get(env)
    return Lab(name) if name and Lab(name).is_up() else None


def small_part(lab: Lab) -> None:
    name = "benchweb"
    lab.ssh("node1", f"docker service rm {name}", check=False)
    lab.ssh("node1", f"docker service create -d --no-resolve-image --name {name} "
                     "--replicas 2 busybox:latest sleep 1d")
    try:
        services = len(lab.ssh("node1", "docker service ls -q").split())
        nodes = [f"node{i}" for i in range(1, len(lab.hosts) + 1)]
        row("import swarmtui.ui.app (median of 3)",
            median_s([import_seconds() for _ in range(3)]))
        firsts, clis, cpus = [], [], []
        hz = os.sysconf("SC_CLK_TCK")
        # one untimed start first: a settled start writes the dataclass code cache
        # (swarmtui/codecache.py) that every later start reads, as a user's second start
        # would; the timed runs end by SIGHUP, which writes nothing
        with tty("node1", lab.ssh_config) as t:
            t.start()
            t.wait("a settled warm-up start", lambda s: "connected to node1" in s)
            wait_for("the dataclass code cache written", codecache.default_path().exists, 30)
        for _ in range(RUNS):  # interleaved: the same machine load for both
            with tty("node1", lab.ssh_config) as t:
                t0 = t.start()
                firsts.append(t.wait("3-node first view", full_view(nodes, services)) - t0)
                cpus.append(cpu_ticks(t.pid) / hz)
            clis.append(cli_view(lab))
        first, cli = statistics.median(firsts), statistics.median(clis)
        row("3 nodes: shell → all nodes + header's service count", f"{first:.2f} s", "≤ 1.0 s")
        # what the start costs the machine, whatever else runs on it (wall ≈ CPU when quiet)
        row("3 nodes: … swarmtui's CPU by then (utime+stime)", median_s(cpus))
        row("3 nodes: docker CLI over ssh, the same 4 listings", f"{cli:.2f} s")
        row("3 nodes: ratio CLI / swarmtui", f"{cli / first:.1f}×", "≥ 2×")
        with tty("node1", lab.ssh_config) as t:
            t.start()
            t.wait("3-node first view", full_view(nodes, services))
            pid = t.pid
            t.wait("a settled start", lambda s: "connected to node1" in s)
            time.sleep(2)  # let start-up work end before the idle window
            ticks0, w0 = cpu_ticks(pid), time.perf_counter()
            time.sleep(IDLE_S)  # the measurement window itself
            ticks, wall = cpu_ticks(pid) - ticks0, time.perf_counter() - w0
            row(f"idle, connected, polling: CPU over {IDLE_S:.0f} s",
                f"{ticks / hz / wall * 100:.1f} %", "≤ 2 % of a core")
    finally:
        lab.ssh("node1", f"docker service rm {name}", check=False)


def ensure_20k(lab: Lab) -> None:
    """2,000 services × 10 Pending tasks on the lab (made unless already there)."""
    import docker

    from tests.waiting import wait_for

    api = docker.APIClient(base_url=f"unix://{lab.host('node1').docker_socket}",
                           version="1.41", timeout=120)
    if tab_count_of_lab(lab) < 2000:
        from tests.perf.bench_ui import _create_pending

        _create_pending(lab, 2000, 10)
    wait_for("20,000 tasks", lambda: len(api.tasks()) >= 20000, 300, interval=2)
    api.close()


def scale_part(lab: Lab) -> None:
    nodes = [f"node{i}" for i in range(1, len(lab.hosts) + 1)]
    firsts, tasks, rss = [], [], []
    switch: list[float] = []
    keys: list[float] = []
    for run in range(3):
        with tty("node1", lab.ssh_config) as t:
            t0 = t.start()
            firsts.append(t.wait("header+nodes+services", full_view(nodes, 2000),
                                 every=0.02) - t0)
            tasks.append(t.wait("20,000 tasks", lambda s: tab_count(s, "Tasks") >= 20000,
                                every=0.02) - t0)
            if run == 0:
                for key, header in (("3", r"^ NAME\s+NODE\s+DESIRED"), ("2", r"^ NAME\s+MODE"),
                                    ("1", r"^ HOSTNAME"), ("3", r"^ NAME\s+NODE\s+DESIRED")):
                    switch.append(pane_switch(t, key, header))
                keys = keystrokes(t, "pend00", 4)  # ~48 keys over several 2 s polls
            rss.append(vm(t.pid, "VmHWM"))
    row("20k tasks: shell → header, nodes, services (median of 3)", median_s(firsts),
        "≤ 1.5 s")
    row("20k tasks: shell → tasks (tab count 20000)", median_s(tasks), "≤ 2.5 s")
    row("20k tasks: peak RSS (VmHWM, worst of 3)", f"{max(rss):.0f} MiB", "≤ 200 MiB")
    row("20k tasks: pane switch (worst of 4; to Tasks first)", f"{max(switch) * 1000:.0f} ms",
        "≤ 150 ms")
    row(f"20k tasks: filter keystroke echo, median of {len(keys)}",
        f"{statistics.median(keys):.0f} ms")
    row("20k tasks: worst keystroke (polls landing meanwhile)", f"{max(keys):.0f} ms", "≤ 50 ms")
    t0 = time.perf_counter()
    cli_view(lab)
    row("20k tasks: docker CLI over ssh, the same 4 listings", f"{time.perf_counter() - t0:.1f} s")


def tab_count_of_lab(lab: Lab) -> int:
    return len(lab.ssh("node1", "docker service ls -q").split())


def ui_thread_part(lab: Lab) -> None:
    """In process (bench_ui's first view): what one poll costs the UI thread at 20,000."""
    import asyncio
    from datetime import datetime, timedelta

    from swarmtui.swarm import format as fmt
    from swarmtui.swarm import health
    from swarmtui.ui.screens.main import MainScreen
    from tests.perf.bench_ui import _first_view

    async def go() -> tuple[float, float, float, float, float]:
        _, app, ctx, pilot = await _first_view(lab, expect_tasks=20000)
        try:
            screen = app.screen
            assert isinstance(screen, MainScreen)
            screen.action_pane("tasks")
            await pilot.pause()
            table = screen.table("tasks")
            snap = screen.shown
            assert snap is not None
            probs = health.of(snap)  # the store's one assessment
            applies, preps, starts, builds, quiet = [], [], [], [], []
            ts = [t.timestamp for t in snap.tasks.values() if t.timestamp]

            def every_age_moved(now: datetime) -> datetime:
                """The first moment past every task's next age text (its own boundary:
                a minute on while under an hour, half an hour on after that)."""
                return max(fmt.ago_until(t, now) for t in ts) + timedelta(seconds=1)

            at = app.clock()
            for _ in range(3):  # every age text changes, as after a real poll
                at = every_age_moved(at)
                # what a poll's snapshot costs the UI thread before the worker runs: the
                # pane marked stale, its rows worker started (Textual's worker set-up)
                screen._dirty.add("tasks")
                t0 = time.perf_counter()
                screen._update_pane("tasks")
                starts.append(time.perf_counter() - t0)
                # the rows worker it started makes the pane's rows at the real now: let it
                # end first (else it remakes them between the two calls timed below)
                # (one replaced by a newer one ends cancelled: that is an end too)
                await asyncio.wait_for(asyncio.gather(*(
                    w.wait() for w in app.workers if w.group == "rows"),
                    return_exceptions=True), 60)
                # the rows as the worker makes them (the pane's maker keeps what it made);
                # CPU of this thread (the worker just started runs beside it)
                # then a poll before any age text moves again (what most polls are once
                # the tasks are older than a minute; young ones move every second)
                still = min(fmt.ago_until(t, at) for t in ts) - timedelta(microseconds=1)
                for when, into in ((at, builds), (max(still, at), quiet)):
                    c0 = time.thread_time()
                    rows = screen.rows_of("tasks")(snap, probs, when)
                    c1 = time.thread_time()
                    prepared = table.prepare(rows)
                    c2 = time.thread_time()
                    into.append(c2 - c0)
                    if into is builds:
                        preps.append(c2 - c1)
                    t0 = time.perf_counter()
                    table.apply_prepared(prepared)
                    if into is builds:
                        applies.append(time.perf_counter() - t0)
                await pilot.pause()
            later = at + timedelta(seconds=2)
            moved = sum(1 for t in snap.tasks.values()
                        if t.current_state_text(at) != t.current_state_text(later))
            row("20k tasks: … task ages whose text moved in those 2 s",
                f"{moved} of {len(snap.tasks)}")
            return (statistics.median(applies), statistics.median(starts),
                    statistics.median(preps), statistics.median(builds),
                    statistics.median(quiet))
        finally:
            await ctx.__aexit__(None, None, None)

    apply_s, start_s, prep_s, build_s, quiet_s = asyncio.run(go())
    row("20k tasks: UI-thread work per poll (start + apply, in process)",
        f"{(start_s + apply_s) * 1000:.0f} ms", "≤ 16 ms")
    row("20k tasks: … of which starting the rows worker", f"{start_s * 1000:.0f} ms")
    row("20k tasks: … the worker's share (prepare, in process)", f"{prep_s * 1000:.0f} ms")
    row("20k tasks: … the worker's rows + prepare, every age moved (CPU)",
        f"{build_s * 1000:.0f} ms")
    row("20k tasks: … the worker's rows + prepare, a poll that moved no age (CPU)",
        f"{quiet_s * 1000:.0f} ms")


def _other_listing(api: Any, digest: bytes | None) -> Any:
    """The engine's task list when its bytes are not those of `digest`, else None."""
    from swarmtui.swarm.fetch import iter_kind

    listing = iter_kind(api, "tasks")
    return listing if getattr(listing, "digest", None) != digest else None


def relist_part(lab: Lab) -> None:
    """In process: the store's CPU for one re-list of the 20,000 tasks when the CLI changed
    a few of them (a service scaled by one): the engine's /tasks bytes merged against the
    last models (sync/merge.py), as a poll does."""
    import docker

    from swarmtui.swarm.fetch import iter_kind
    from swarmtui.swarm.sync.merge import merge_kind
    from tests.waiting import wait_for

    api = docker.APIClient(base_url=f"unix://{lab.host('node1').docker_socket}",
                           version="1.41", timeout=120)
    last: dict[str, Any] = merge_kind("tasks", None, iter_kind(api, "tasks"))
    cpus, moved = [], []
    try:
        now = int(lab.ssh("node1", "docker service inspect --format "
                                   "'{{.Spec.Mode.Replicated.Replicas}}' pend0000"))
        for replicas in (now + 1, now, now + 1, now):
            lab.ssh("node1", f"docker service scale -d pend0000={replicas}")
            digest: bytes | None = getattr(last, "digest", None)
            listing = wait_for("the scale in the task list",
                               partial(_other_listing, api, digest), 60, interval=0.5)
            c0 = time.thread_time()
            again = merge_kind("tasks", last, listing)
            cpus.append(time.thread_time() - c0)
            moved.append(sum(1 for k, t in again.items() if last.get(k) is not t))
            last = again
    finally:
        lab.ssh("node1", "docker service scale -d pend0000=10", check=False)
        api.close()
    row(f"20k tasks: store CPU of a re-list, {min(moved)}-{max(moved)} tasks changed "
        "(median of 4)", f"{statistics.median(cpus) * 1000:.0f} ms")


def rshape_part(lab: Lab) -> None:
    # the recording needs one replicated service with its tasks (a fresh lab has none)
    lab.ssh("node1", "docker service create -d --no-resolve-image --name benchrs "
                     "--replicas 2 busybox:latest sleep 1d")
    try:
        from tests.waiting import wait_for

        wait_for("benchrs's tasks", lambda: len(lab.ssh(
            "node1", "docker service ps -q benchrs").split()) >= 2, 60, interval=0.5)
        rec = rshape.record(lab.host("node1").docker_socket)
    finally:
        lab.ssh("node1", "docker service rm benchrs", check=False)
    bodies = rshape.synthesize(rec, nodes=1000, services=5000, tasks_per_service=20)
    tmp = tempfile.mkdtemp(prefix="pfrs")  # under /tmp: the lab host's sshd sees it too
    os.chmod(tmp, 0o755)
    sock = os.path.join(tmp, "docker.sock")
    visible = [f"rsnode{i:04d}" for i in range(5)]
    try:
        with rshape.RecordedShapeServer(sock, bodies) as srv:
            firsts, rss, busy = [], [], []
            keys: list[tuple[float, float]] = []  # (echo ms, sent s after the start)
            hz = os.sysconf("SC_CLK_TCK")
            for _ in range(2):
                with tty(f"ssh://node1{sock}", lab.ssh_config) as t:
                    t0 = t.start()
                    firsts.append(t.wait("1,000 nodes' first view", full_view(visible, 5000),
                                         timeout=120, every=0.05) - t0)
                    t.wait("100,000 tasks", lambda s: tab_count(s, "Tasks") >= 100000,
                           timeout=120, every=0.05)
                    sent: list[float] = []
                    ticks0, w0 = cpu_ticks(t.pid), time.perf_counter()
                    echoes = keystrokes(t, "rssvc0", 2, sent)
                    busy.append((cpu_ticks(t.pid) - ticks0) / hz / (time.perf_counter() - w0))
                    keys += [(ms, at - t0) for ms, at in zip(echoes, sent, strict=True)]
                    rss.append(vm(t.pid, "VmHWM"))
            assert srv.hits.get("/tasks"), srv.hits
    finally:
        if os.path.exists(sock):
            os.unlink(sock)
        os.rmdir(tmp)
    mb = {p: n / 1e6 for p, n in rshape.sizes(bodies)}
    row("RECORDED-SHAPE 1k nodes/5k svc/100k tasks: first view (of 2)", median_s(firsts),
        "≤ 5 s")
    row("RECORDED-SHAPE: peak RSS (VmHWM, worst of 2)", f"{max(rss):.0f} MiB", "≤ 600 MiB")
    worst, worst_at = max(keys)
    echo = sorted(ms for ms, _ in keys)
    row(f"RECORDED-SHAPE: worst of {len(keys)} filter keystrokes (2 starts)", f"{worst:.0f} ms",
        "≤ 100 ms")
    row("RECORDED-SHAPE: … sent this long after the start", f"{worst_at:.1f} s")
    row("RECORDED-SHAPE: … keystroke echo median / 90th percentile",
        f"{statistics.median(echo):.0f}/{echo[len(echo) * 9 // 10]:.0f} ms")
    row("RECORDED-SHAPE: … swarmtui's CPU while typing (worst start)",
        f"{max(busy) * 100:.0f} %", "of a core")
    print("BENCH RECORDED-SHAPE keystrokes (ms @ s after start): "
          + " ".join(f"{ms:.0f}@{at:.1f}" for ms, at in keys))
    row("RECORDED-SHAPE: bodies /nodes, /services, /tasks (MB)",
        " / ".join(f"{v:.0f}" for v in mb.values()))


@pytest.mark.timeout(1800)
def test_bench_as_a_user_sees_it(make_lab: Callable[..., Lab]) -> None:
    print()
    load_now("start")
    warm_bytecode()
    small = _reuse("SWARMTUI_BENCH_LAB") or (make_lab(nodes=3, managers=1)
                                             if PARTS & {"small", "rshape"} else None)
    try:
        if "small" in PARTS and small:
            small_part(small)
        if PARTS & {"scale", "uithread"}:
            big = _reuse("SWARMTUI_BENCH_SCALE_LAB") or make_lab(nodes=3, managers=1)
            ensure_20k(big)
            if "scale" in PARTS:
                scale_part(big)
            if "uithread" in PARTS:
                ui_thread_part(big)
                relist_part(big)
        if "rshape" in PARTS and small:
            rshape_part(small)
    finally:
        load_now("end")
        print_table()
