"""Live stats: one cheap sample per node per interval, over the node's SSH connection.

A sample reads the start of /proc/stat and /proc/meminfo and the statvfs of
/var/lib/docker through the node's SFTP session — one long-lived channel, so
the node forks nothing (an exec channel per sample cost the node ~0.1 s of CPU
here: sshd's session set-up and a shell) — falling back to one exec of
SAMPLE_SCRIPT where the server has no SFTP. When the node runs tasks, one-shot
stats of their containers come through the node's forwarded engine socket
(`/containers/ID/stats?stream=false&one-shot=true`: no second sample is waited
for). CPU percentages come from the difference between this sample and the
previous one, the way `top` and `docker stats` do.

`Sampler` samples every node concurrently, never overlaps two samples of one
node, keeps a short history for sparklines, and can be paused. An unreachable
node gives a `NodeStats` with `unreachable` set, never a stall.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from swarmtui.connect.budget import background
from swarmtui.connect.errors import ConnectError, WouldAskError
from swarmtui.connect.nodes import NodePool, NodeUnreachableError, ssh_error
from swarmtui.connect.options import unasked
from swarmtui.swarm.state import ClusterSnapshot

SAMPLE_SCRIPT = ("head -n1 /proc/stat; grep -E '^(MemTotal|MemAvailable):' /proc/meminfo; "
                 "df -P -B1 /var/lib/docker 2>/dev/null | tail -n1")
HISTORY = 60


@dataclass(frozen=True)
class CpuTimes:
    busy: int
    total: int


@dataclass(frozen=True)
class HostSample:
    cpu: CpuTimes | None
    mem_total: int | None  # bytes
    mem_available: int | None
    disk_size: int | None  # bytes of the filesystem holding /var/lib/docker
    disk_free: int | None


@dataclass(frozen=True)
class ContainerSample:
    container_id: str
    cpu_total: int  # ns of CPU used
    system_total: int  # ns of system CPU (the engine's)
    online_cpus: int
    mem_used: int  # bytes, as docker stats shows (usage minus page cache)
    mem_limit: int


@dataclass(frozen=True)
class TaskStats:
    container_id: str
    cpu_percent: float | None  # as docker stats: 100 = one core
    mem_used: int
    mem_limit: int


@dataclass(frozen=True)
class NodeStats:
    hostname: str
    at: float  # monotonic time of the sample
    cpu_percent: float | None = None  # of the whole host, 0-100
    mem_used: int | None = None
    mem_total: int | None = None
    disk_free: int | None = None
    disk_size: int | None = None
    tasks: dict[str, TaskStats] = field(default_factory=dict)  # by container ID
    unreachable: str | None = None  # why there is no sample
    seconds: float = 0.0  # what the sample took, wall clock
    bytes: int = 0  # payload bytes received


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def parse_host_sample(text: str) -> HostSample:
    """Read SAMPLE_SCRIPT's output; anything unreadable is left None."""
    cpu: CpuTimes | None = None
    mem: dict[str, int] = {}
    disk_size = disk_free = None
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "cpu":
            nums = [int(p) for p in parts[1:9] if _digits(p)]
            if len(nums) >= 4:
                idle = nums[3] + (nums[4] if len(nums) > 4 else 0)  # idle + iowait
                total = sum(nums)  # guest times are already in user/nice
                cpu = CpuTimes(total - idle, total)
        elif parts[0] in ("MemTotal:", "MemAvailable:"):
            if len(parts) >= 2 and _digits(parts[1]):
                mem[parts[0]] = int(parts[1]) * 1024
        elif len(parts) >= 6 and _digits(parts[1]) and _digits(parts[3]):
            disk_size, disk_free = int(parts[1]), int(parts[3])
    return HostSample(cpu, mem.get("MemTotal:"), mem.get("MemAvailable:"), disk_size, disk_free)


def container_sample(container_id: str, stats: dict[str, Any]) -> ContainerSample:
    cpu = stats.get("cpu_stats") or {}
    usage = cpu.get("cpu_usage") or {}
    memory = stats.get("memory_stats") or {}
    mstats = memory.get("stats") or {}
    cache = int(mstats.get("total_inactive_file", mstats.get("inactive_file", 0)) or 0)
    used = max(int(memory.get("usage") or 0) - cache, 0)
    cpus = int(cpu.get("online_cpus") or len(usage.get("percpu_usage") or []) or 1)
    return ContainerSample(container_id, int(usage.get("total_usage") or 0),
                           int(cpu.get("system_cpu_usage") or 0), cpus, used,
                           int(memory.get("limit") or 0))


def cpu_percent(before: CpuTimes | None, after: CpuTimes | None) -> float | None:
    if before is None or after is None or after.total <= before.total:
        return None
    return 100.0 * (after.busy - before.busy) / (after.total - before.total)


def container_cpu_percent(before: ContainerSample | None, after: ContainerSample) -> float | None:
    """docker stats' formula: Δcontainer / Δsystem × online CPUs × 100."""
    if before is None:
        return None
    d_sys = after.system_total - before.system_total
    d_cpu = after.cpu_total - before.cpu_total
    if d_sys <= 0 or d_cpu < 0:
        return None
    return 100.0 * d_cpu / d_sys * after.online_cpus


@dataclass
class _NodeState:
    host: HostSample | None = None
    containers: dict[str, ContainerSample] = field(default_factory=dict)
    busy: bool = False
    history: deque[NodeStats] = field(default_factory=lambda: deque(maxlen=HISTORY))


def _one_shot(api: Any, cid: str) -> ContainerSample | None:
    try:
        raw = api.stats(cid, stream=False, one_shot=True)
    except Exception:  # a container that just ended: no sample, not an error
        return None
    return container_sample(cid, raw)


#: threads for container stats: the engine answers a one-shot at its next collection tick
#: (~1 s on 20.10), so the containers of all nodes are asked at once, not one by one
STATS_THREADS = 16


class Sampler:
    """Samples nodes on an interval; `on_sample(NodeStats)` is called on the loop."""

    def __init__(self, pool: NodePool, on_sample: Callable[[NodeStats], None], *,
                 interval: float = 5.0, containers: bool = True) -> None:
        self.pool = pool
        self.on_sample = on_sample
        self.interval = interval
        self.containers = containers
        self.paused = False
        self._state: dict[str, _NodeState] = {}
        #: hostname -> (address, running task container IDs on it)
        self.nodes: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._wake = asyncio.Event()
        self._pending: set[asyncio.Task[None]] = set()

    def history(self, hostname: str) -> list[NodeStats]:
        """Oldest first. Safe from another thread: copying a deque of plain objects runs
        without releasing the GIL, so no append lands mid-copy."""
        state = self._state.get(hostname)
        return list(state.history) if state else []

    def follow(self, snapshot: ClusterSnapshot) -> None:
        """Sample the snapshot's Ready nodes, each with its running tasks' containers.

        A node new to the sampler is sampled at once (on the sampler's loop, while it
        runs; once the tasks are listed: a first view's own work goes first, and the
        sample has the node's containers), not an interval later, but `unasked`: a node
        whose host key (or key passphrase) would have to be asked about waits for the
        next round, which asks as it always did. The first figures of the nodes already
        trusted come at once; no question comes earlier than before."""
        running: dict[str, list[str]] = {}
        for task in snapshot.tasks.values():
            if task.is_running and task.node_id and task.container_id:
                running.setdefault(task.node_id, []).append(task.container_id)
        self.nodes = {n.hostname: (n.address, tuple(running.get(n.id, ())))
                      for n in snapshot.nodes.values() if n.state == "ready" and n.hostname}
        if self._task is None or self._task.done() or self.paused \
                or not snapshot.listed("tasks"):
            return
        for hostname in self.nodes:
            if hostname not in self._state:
                self._spawn(self._sample_one(hostname, ask=False))

    @property
    def in_flight(self) -> int:
        """Samples started and not yet ended."""
        return sum(1 for st in self._state.values() if st.busy)

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self._wake.set()

    async def sample(self, hostname: str, address: str = "",
                     containers: tuple[str, ...] = ()) -> NodeStats:
        """One sample of one node (CPU % needs a previous sample of it)."""
        state = self._state.setdefault(hostname, _NodeState())
        start = time.perf_counter()
        try:
            text = await self._host_text(hostname, address)
            host = parse_host_sample(text)
            samples: dict[str, ContainerSample] = {}
            if containers and self.containers:
                api = await self.pool.engine_api(hostname, address)
                loop = asyncio.get_running_loop()
                if self._threads is None:
                    self._threads = ThreadPoolExecutor(STATS_THREADS,
                                                       thread_name_prefix="swarmtui-stats")
                got = await asyncio.gather(*(loop.run_in_executor(self._threads, _one_shot,
                                                                  api, cid)
                                             for cid in containers))
                samples = {g.container_id: g for g in got if g is not None}
        except WouldAskError:
            raise
        except NodeUnreachableError as exc:
            return NodeStats(hostname, time.monotonic(), unreachable=exc.fact.text,
                             seconds=time.perf_counter() - start)
        except ConnectError as exc:
            return NodeStats(hostname, time.monotonic(), unreachable=str(exc),
                             seconds=time.perf_counter() - start)
        tasks = {cid: TaskStats(cid, container_cpu_percent(state.containers.get(cid), s),
                                s.mem_used, s.mem_limit) for cid, s in samples.items()}
        used = (host.mem_total - host.mem_available
                if host.mem_total is not None and host.mem_available is not None else None)
        stats = NodeStats(hostname, time.monotonic(),
                          cpu_percent(state.host.cpu if state.host else None, host.cpu),
                          used, host.mem_total, host.disk_free, host.disk_size, tasks,
                          seconds=time.perf_counter() - start, bytes=len(text))
        state.host = host
        state.containers = samples
        state.history.append(stats)
        return stats

    async def _host_text(self, hostname: str, address: str) -> str:
        """The host part of a sample, as SAMPLE_SCRIPT would print it."""
        sftp = await self.pool.sftp(hostname, address)
        if sftp is None:
            return (await self.pool.run(hostname, SAMPLE_SCRIPT, address=address,
                                        timeout=10)).stdout
        try:
            async with asyncio.timeout(10):
                async with sftp.open("/proc/stat", encoding="utf-8", errors="replace") as f:
                    stat = str(await f.read(256)).split("\n", 1)[0]
                async with sftp.open("/proc/meminfo", encoding="utf-8", errors="replace") as f:
                    mem = str(await f.read(256))
                fs = await sftp.statvfs("/var/lib/docker")
        except (TimeoutError, ssh_error(), OSError) as exc:
            raise ConnectError(f"{hostname}: reading its stats over SFTP failed ({exc})") from exc
        unit = fs.frsize or fs.bsize
        df = (f"docker {fs.blocks * unit} {(fs.blocks - fs.bfree) * unit} {fs.bavail * unit} "
              "- /var/lib/docker")
        return f"{stat}\n{mem}\n{df}\n"

    async def _sample_one(self, hostname: str, ask: bool = True) -> None:
        """Sample a node and hand the sample on. Not `ask`: a connection that would ask a
        person something gives no sample at all (see `follow`)."""
        state = self._state.setdefault(hostname, _NodeState())
        if state.busy:  # the previous sample of this node has not ended: skip, never pile up
            return
        state.busy = True
        try:
            address, containers = self.nodes.get(hostname, ("", ()))
            with background(), (contextlib.nullcontext() if ask else unasked()):
                # a new connection waits for its turn (connect/budget.py)
                stats = await self.sample(hostname, address, containers)
            self.on_sample(stats)
        except WouldAskError:
            pass  # the next round asks
        finally:
            state.busy = False

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        t = asyncio.create_task(coro)
        self._pending.add(t)
        t.add_done_callback(self._pending.discard)

    async def run(self) -> None:
        """Sample every node in `nodes` each interval until cancelled."""
        try:
            while True:
                if not self.paused:
                    for hostname in list(self.nodes):
                        self._spawn(self._sample_one(hostname))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)
        finally:
            for t in list(self._pending):
                t.cancel()

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name="swarmtui-stats")
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        pending = list(self._pending)
        for t in pending:
            t.cancel()
        if pending:  # ended here, not closed by the collector once the loop is gone
            await asyncio.wait(pending, timeout=5)
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None


# --- how a sample reads in a cell ------------------------------------------------------

#: a cell of a node that could not be sampled (the reason is in the node's detail)
NO_SAMPLE = "—"


def short_bytes(n: int | None) -> str:
    """Binary units in at most 4 characters, as top shows them: 812M, 1.2G, 15G."""
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1000 or unit == "T":
            if unit == "B":
                return f"{value:.0f}B"
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
        value /= 1024
    return f"{n}B"


def node_cells(stats: NodeStats | None) -> tuple[str, str, str]:
    """CPU, MEM (used/total) and DISK (free for /var/lib/docker) of a node's sample."""
    if stats is None:
        return "", "", ""
    if stats.unreachable is not None:
        return NO_SAMPLE, NO_SAMPLE, NO_SAMPLE
    cpu = "…" if stats.cpu_percent is None else f"{stats.cpu_percent:.0f}%"
    mem = (f"{short_bytes(stats.mem_used)}/{short_bytes(stats.mem_total)}"
           if stats.mem_used is not None and stats.mem_total else "")
    return cpu, mem, short_bytes(stats.disk_free)


def task_cells(stats: TaskStats | None) -> tuple[str, str]:
    """CPU (100 % = one core, as docker stats) and memory used of a task's container."""
    if stats is None:
        return "", ""
    cpu = "…" if stats.cpu_percent is None else f"{stats.cpu_percent:.1f}%"
    return cpu, short_bytes(stats.mem_used)
