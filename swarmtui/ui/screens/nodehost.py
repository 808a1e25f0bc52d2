"""A node's host (`v` on a node row): what only the node itself knows, read over its SSH
connection (swarm/reach/detail.py) — its containers (swarm tasks and its own), `docker
system df`, images, kernel and engine versions — and its CPU, memory and disk over the
last samples as sparklines on a fixed scale (swarm/reach/stats.py, from the store's sampler).

Nothing here waits on the node in the UI's thread: the read runs on the node pool's loop;
an unreachable node says why. Escape goes back; ctrl+r reads the node again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from swarmtui.connect.errors import ConnectError
from swarmtui.swarm import format as fmt
from swarmtui.swarm.reach.detail import NodeDetail, node_detail
from swarmtui.swarm.reach.prune import human_bytes
from swarmtui.swarm.reach.stats import NodeStats, short_bytes
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.context import swarm_app
from swarmtui.ui.widgets.footer import KeysFooter
from swarmtui.ui.widgets.table import Column, KeyedTable, Row

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp

#: seconds the node gets to answer before the screen says it did not
READ_TIMEOUT = 30.0

DF_COLUMNS = [
    Column("type", "TYPE", 0, 11, 13),
    Column("total", "TOTAL", 0, 5, 6, right=True),
    Column("size", "SIZE", 0, 7, 9, right=True),
    Column("reclaimable", "RECLAIMABLE", 0, 11, 11, right=True),
]
CONTAINER_COLUMNS = [
    # a swarm container's long name gives way first (its TASK column says which it is)
    Column("name", "NAME", 0, 12, 40, grow=True),
    Column("task", "TASK", 1, 4, 30),
    Column("state", "STATE", 0, 7, 10),
    Column("status", "STATUS", 2, 10, 30),
    Column("image", "IMAGE", 3, 10, 40),
    Column("id", "ID", 4, 12, 12),
]
STATE_TAG = {"running": "task-running", "exited": "task-shutdown", "dead": "task-failed",
             "created": "task-pending", "restarting": "task-pending"}


def df_rows(detail: NodeDetail) -> list[Row]:
    return [Row(d.kind, (d.kind, str(d.count), human_bytes(d.bytes),
                         human_bytes(d.reclaimable)), rank=i)
            for i, d in enumerate(detail.disk)]


def container_rows(detail: NodeDetail) -> list[Row]:
    """Running first, then the rest; the swarm's tasks and the node's own side by side."""
    return [Row(c.id, (c.name, c.task or "(not swarm)", c.state, c.status, c.image, c.id[:12]),
                (None, None if c.task else "muted", STATE_TAG.get(c.state), None, None, None),
                rank=(c.state != "running", c.name))
            for c in detail.containers]


def history_lines(samples: Sequence[NodeStats]) -> dict[str, tuple[str, list[float], float]]:
    """Per figure (cpu, mem, disk): its latest value in words, the values to draw and the
    top of their fixed scale (100 %, the memory total, the disk size)."""
    ok = [s for s in samples if s.unreachable is None]
    cpu = [s.cpu_percent for s in ok if s.cpu_percent is not None]
    mem = [(s.mem_used or 0, s.mem_total or 0) for s in ok if s.mem_used is not None]
    disk = [(s.disk_free or 0, s.disk_size or 0) for s in ok if s.disk_free is not None]
    return {
        "cpu": (f"CPU  {cpu[-1]:3.0f}% (max {max(cpu):.0f}%)" if cpu else "CPU  —", cpu, 100.0),
        "mem": (f"MEM  {short_bytes(mem[-1][0])} of {short_bytes(mem[-1][1])}" if mem
                else "MEM  —", [float(u) for u, _ in mem], float(mem[-1][1]) if mem else 0.0),
        "disk": (f"DISK {short_bytes(disk[-1][0])} free of {short_bytes(disk[-1][1])}" if disk
                 else "DISK —", [float(f) for f, _ in disk],
                 float(disk[-1][1]) if disk else 0.0),
    }


BARS = "▁▂▃▄▅▆▇█"


def bars(values: Sequence[float], top: float, width: int) -> str:
    """The last `width` values as bars on a fixed scale from 0 to `top`, newest on the
    right: a change of a few MB on a 250 GB disk stays flat (an auto-scaled sparkline
    draws it as a cliff)."""
    if width <= 0:
        return ""
    tail = list(values)[-width:]
    if top <= 0:
        return " " * width
    top_bar = len(BARS) - 1
    cells = [BARS[min(top_bar, max(0, round(v / top * top_bar)))] for v in tail]
    return " " * (width - len(cells)) + "".join(cells)


class Bars(Static):
    """A one-line history drawn by `bars` at the widget's width."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.values: list[float] = []
        self.top = 0.0

    def show(self, values: Sequence[float], top: float) -> None:
        self.values, self.top = list(values), top
        self.refresh()

    def render(self) -> str:
        return bars(self.values, self.top, self.size.width)


class NodeHostScreen(Screen[None]):
    """One node's own view (see the module docstring)."""

    HELP_TITLE = "a node's host"
    DEFAULT_CSS = """
    NodeHostScreen #host-title { background: $panel; text-style: bold; padding: 0 1; }
    NodeHostScreen #host-facts { padding: 0 1; color: $text-muted; }
    NodeHostScreen #host-why { padding: 0 1; color: $warning; display: none; }
    NodeHostScreen #host-why.shown { display: block; }
    NodeHostScreen .spark-row { height: 1; padding: 0 1; }
    NodeHostScreen .spark-label { width: 30; }
    NodeHostScreen .spark { width: 1fr; color: $accent; }
    NodeHostScreen #host-df { height: 5; }
    NodeHostScreen .host-label { background: $boost; color: $text-muted; padding: 0 1; }
    NodeHostScreen #host-containers { height: 1fr; }
    NodeHostScreen #host-cli { color: $text-muted; padding: 0 1; height: auto; max-height: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="host.back"),
        Binding("ctrl+r", "reload", "Read again", id="host.reload"),
    ]

    def __init__(self, node_id: str, hostname: str, address: str = "") -> None:
        super().__init__()
        self.node_id = node_id
        self.hostname = hostname
        self.address = address
        self.detail: NodeDetail | None = None
        #: why the node could not be read, in words ("" while reading or once read)
        self.error = ""

    @property
    def swarm_app(self) -> SwarmApp:
        return swarm_app(self)

    def compose(self) -> ComposeResult:
        yield Static(f"{self.hostname} — its host, over SSH", id="host-title", markup=False)
        yield Static("reading the node's engine…", id="host-facts", markup=False)
        yield Static("", id="host-why", markup=False)
        for key in ("cpu", "mem", "disk"):
            with Horizontal(classes="spark-row"):
                yield Static("", id=f"spark-{key}-label", classes="spark-label", markup=False)
                yield Bars(id=f"spark-{key}", classes="spark")
        yield Static("docker system df", classes="host-label")
        yield KeyedTable(DF_COLUMNS, empty="…", id="host-df")
        yield Static("containers", id="host-containers-label", classes="host-label",
                     markup=False)
        yield KeyedTable(CONTAINER_COLUMNS, empty="…", noun="container", id="host-containers")
        yield Static("", id="host-cli", markup=False)
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#host-containers", KeyedTable).focus()
        snap = self.swarm_app.snapshot
        if snap is not None:
            self.show_snapshot(snap, frozenset())
        self.action_reload()

    # ------------------------------------------------------------------- data
    def action_reload(self) -> None:
        store = self.swarm_app.store
        reach = store.reach if store is not None else None
        if reach is None:
            self.show_error("reading a node needs a live connection with SSH to the nodes")
            return
        self.run_worker(self._read(), exclusive=True, group="host-read", exit_on_error=False)

    async def _read(self) -> None:
        store = self.swarm_app.store
        reach = store.reach if store is not None else None
        if reach is None:
            return
        try:
            future = reach.submit(node_detail(reach.pool, self.hostname, self.address))
            detail = await asyncio.wait_for(asyncio.wrap_future(future), READ_TIMEOUT)
        except ConnectError as exc:
            self.show_error(str(exc))
            return
        except TimeoutError:
            self.show_error(f"{self.hostname} did not answer within {READ_TIMEOUT:g} s")
            return
        self.show_detail(detail)

    def show_error(self, text: str) -> None:
        self.error = text
        self.query_one("#host-facts", Static).update(f"cannot read {self.hostname}: {text}")
        for table in self.query(KeyedTable):
            table.empty_text = "—"
            table.refresh()

    def show_detail(self, detail: NodeDetail) -> None:
        self.detail, self.error = detail, ""
        self.query_one("#host-facts", Static).update(
            f"kernel {detail.kernel} · Docker {detail.engine} · {detail.os} · "
            f"{fmt.count(detail.images, 'image')}")
        with self.app.batch_update():
            self.query_one("#host-df", KeyedTable).apply(df_rows(detail))
            containers = self.query_one("#host-containers", KeyedTable)
            containers.empty_text = "no containers"
            containers.apply(container_rows(detail))
            own = sum(1 for c in detail.containers if not c.task)
            self.query_one("#host-containers-label", Static).update(
                f"containers: {len(detail.containers)} ({own} not from the swarm)")
            self.query_one("#host-cli", Static).update(detail.cli)

    def show_snapshot(self, snap: ClusterSnapshot, kinds: frozenset[str]) -> None:
        """Each new sample of this node redraws the sparklines."""
        store = self.swarm_app.store
        reach = store.reach if store is not None else None
        samples = reach.history(self.hostname) if reach is not None else []
        latest = snap.stats.get(self.hostname)
        if latest is not None and (not samples or samples[-1] is not latest):
            samples = [*samples, latest]
        self.show_history(samples, latest.unreachable if latest is not None else None,
                          reach is not None and reach.sampler is None)

    def show_history(self, samples: Sequence[NodeStats], unreachable: str | None = None,
                     off: bool = False) -> None:
        lines = history_lines(samples)
        for key, (label, values, top) in lines.items():
            self.query_one(f"#spark-{key}-label", Static).update(label)
            self.query_one(f"#spark-{key}", Bars).show(values, top)
        why = ""
        if unreachable is not None:
            why = f"no stats from {self.hostname}: {unreachable}"
        elif off:
            why = "live stats are off (stats_interval = 0 in the config)"
        elif self.swarm_app.store is not None and self.swarm_app.store.reach is not None \
                and self.swarm_app.store.reach.stats_paused:
            why = "live stats paused (z on the main screen resumes them)"
        box = self.query_one("#host-why", Static)
        box.update(why)
        box.set_class(bool(why), "shown")

    def action_back(self) -> None:
        self.app.pop_screen()
