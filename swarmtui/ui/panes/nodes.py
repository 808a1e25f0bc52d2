"""The Nodes pane: `docker node ls` columns, its rows, and the node keys.

Each key's handler is here: it builds the Operation (swarm/ops/nodes.py) from the
marked nodes (space) or the node under the cursor, and hands it to the confirm →
progress flow (`ui/flow/start.py`). Read-only was refused by the registry before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from swarmtui.swarm import format as fmt
from swarmtui.swarm import health
from swarmtui.swarm.health import Health
from swarmtui.swarm.models import Node
from swarmtui.swarm.reach.probe import Cause
from swarmtui.swarm.reach.stats import NodeStats, node_cells
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync.store import STATS
from swarmtui.ui.panes.base import (
    Action,
    ActionContext,
    Handler,
    Pane,
    Preview,
    RefusedError,
    toggle_mark,
)
from swarmtui.ui.widgets.table import Column, Row

if TYPE_CHECKING:
    from swarmtui.swarm.ops.base import Operation
    from swarmtui.swarm.ops.nodes import RemoveNode
    from swarmtui.swarm.reach.watch import NodeReach
    from swarmtui.ui.screens.main import MainScreen

#: priority: 0 always shown; higher numbers give way first at 80 columns
COLUMNS = [
    Column("hostname", "HOSTNAME", 0, 8, 30),  # 8: MANAGER STATUS fits beside the tour
    Column("status", "STATUS", 0, 6, 32),
    Column("availability", "AVAILABILITY", 1, 6, 12),
    Column("manager", "MANAGER STATUS", 1, 11, 14),
    Column("tasks", "TASKS", 2, 5, 7, right=True),
    # live stats over SSH (swarm/reach/stats.py): at 80 columns MEM gives way, then CPU,
    # after ADDRESS and DISK
    Column("cpu", "CPU", 2, 4, 5, right=True, hide_empty=True),
    Column("mem", "MEM", 2, 9, 11, right=True, hide_empty=True),
    Column("disk", "DISK", 3, 4, 5, right=True, hide_empty=True),
    Column("address", "ADDRESS", 3, 13, 39),
    Column("engine", "ENGINE VERSION", 4, 10, 20),
    Column("platform", "OS/ARCH", 5, 12, 20),
    Column("labels", "LABELS", 6, 10, 60, grow=True),
    Column("id", "ID", 7, 12, 12),
]
STATE_TAG = {"ready": "node-ready", "down": "node-down", "disconnected": "node-down",
             "unknown": "node-down"}


def node_row(snap: ClusterSnapshot, n: Node, probs: Health) -> Row:
    running = snap.running_count(n.id)
    mgr_tag = ("manager-leader" if n.is_leader else
               "manager-unreachable" if n.is_manager and not n.is_reachable_manager else None)
    avail_tag = "draining" if n.availability in ("drain", "pause") else None
    live = snap.stats.get(n.hostname)
    cpu, mem, disk = node_cells(live)
    return Row(
        n.id,
        (n.hostname, _status(snap, n), n.availability_text,
         "Locked" if health.is_locked(snap, n.id) else n.manager_status_text, str(running),
         cpu, mem, disk, n.address, n.engine_version, n.platform_text,
         fmt.labels_text(n.labels), fmt.short_id(n.id)),
        (None, STATE_TAG.get(n.state), avail_tag, mgr_tag, None, None, None, None, None, None,
         None, None, None),
        problem=n.id in probs.ids or n.state != "ready" or mgr_tag == "manager-unreachable",
        sort=(None, None, None, None, running, *_stats_sort(live)),
    )


def _stats_sort(live: NodeStats | None) -> tuple[float, int, int]:
    """CPU, MEM and DISK sort by value (no sample first)."""
    if live is None or live.unreachable is not None:
        return -1.0, -1, -1
    return (live.cpu_percent if live.cpu_percent is not None else -1.0,
            live.mem_used or 0, live.disk_free or 0)


#: the doctor's causes (swarm/reach/probe.py Cause) in a few words, for the STATUS cell
#: at 80 columns; the problem line and the node's detail carry the whole sentence
SHORT_CAUSE = {
    Cause.HOST_UNREACHABLE: "host unreachable", Cause.SSH_REFUSED: "SSH refused",
    Cause.AUTH_FAILED: "SSH login refused", Cause.HOST_KEY: "host key refused",
    Cause.DOCKERD_DOWN: "dockerd not running", Cause.LOCKED: "locked",
    Cause.LEFT_SWARM: "left the swarm", Cause.CLOCK_SKEW: "clock skew",
    Cause.NOT_HEARD: "not heard by managers", Cause.UNKNOWN: "cause unknown",
}


def _status(snap: ClusterSnapshot, n: Node) -> str:
    """`Down`, and why in a few words when the node doctor found it over SSH
    ("Down: dockerd not running")."""
    cause = snap.causes.get(n.id)
    if not cause:
        return n.status_text
    short = next((words for c, words in SHORT_CAUSE.items() if cause.startswith(str(c))),
                 cause.partition(": ")[0])
    return f"{n.status_text}: {short}"


def rows(snap: ClusterSnapshot, probs: Health, now: datetime) -> list[Row]:
    return [node_row(snap, n, probs) for n in snap.nodes.values()]


# ------------------------------------------------------------------ selection
def selected_nodes(ctx: ActionContext) -> list[Node]:
    """The marked nodes that still exist, else the node under the cursor."""
    snap = ctx.snapshot
    marks = ctx.main.ops_marked if ctx.main is not None else []
    marked = [snap.nodes[i] for i in marks if i in snap.nodes]
    if marked:
        return sorted(marked, key=lambda n: n.name)
    if ctx.selected and ctx.selected in snap.nodes:
        return [snap.nodes[ctx.selected]]
    raise RefusedError("pick a node first (Nodes pane, 1)")


def _one(ctx: ActionContext, what: str) -> Node:
    nodes = selected_nodes(ctx)
    if len(nodes) > 1:
        raise RefusedError(f"{what} one node at a time: unmark the others (space)")
    return nodes[0]


# ------------------------------------------------------------------ handlers
def mark(ctx: ActionContext) -> None:
    """space: mark/unmark the node under the cursor."""
    if ctx.selected:
        toggle_mark(ctx, ctx.selected, "nodes")


def _fixed(make: Callable[[list[Node]], Operation]) -> tuple[Handler, Preview]:
    """(handler, preview) of an operation that needs no value."""
    def preview(ctx: ActionContext) -> Operation:
        return make(selected_nodes(ctx))

    def run(ctx: ActionContext) -> None:
        from swarmtui.ui.flow import fixed, start_operation

        start_operation(ctx.screen, fixed(preview(ctx)))

    return run, preview


def add_label(ctx: ActionContext) -> None:
    from swarmtui.swarm.ops.node_labels import AddNodeLabel
    from swarmtui.ui.flow import OpForm, start_operation

    nodes = selected_nodes(ctx)
    start_operation(ctx.screen, OpForm(build=lambda v, _f: AddNodeLabel(nodes, v),
                                       prompt="Label to add or change (key=value):",
                                       placeholder="e.g. zone=a"))


def remove_label(ctx: ActionContext) -> None:
    from swarmtui.swarm.ops.node_labels import RemoveNodeLabel
    from swarmtui.ui.flow import OpForm, start_operation

    nodes = selected_nodes(ctx)
    keys: dict[str, list[str]] = {}
    for n in nodes:
        for k, v in n.labels.items():
            keys.setdefault(k, []).append(f"{n.name}: {v}" if len(nodes) > 1 else v)
    if not keys:
        names = ", ".join(n.name for n in nodes)
        raise RefusedError(f"{names} {'has' if len(nodes) == 1 else 'have'} no labels to remove")
    choices = [(f"{k}={' · '.join(vs)}" if len(nodes) == 1 else f"{k}  ({'; '.join(vs)})",
                k) for k, vs in sorted(keys.items())]
    start_operation(ctx.screen, OpForm(build=lambda v, _f: RemoveNodeLabel(nodes, v),
                                       initial=choices[0][1], choices=choices))


def _remove_op(ctx: ActionContext, node: Node | None = None, force: bool = False
               ) -> RemoveNode:
    """`docker node rm`; a Ready node, when the node pool can reach it, leaves first."""
    from swarmtui.swarm.ops.nodes import RemoveNode
    from swarmtui.swarm.reach.ops import LeaveAndRemoveNode

    node = node or _one(ctx, "remove")
    store = ctx.app.store
    reach = store.reach if store is not None else None
    if node.state == "ready" and reach is not None:
        return LeaveAndRemoveNode(reach.pool, node)
    return RemoveNode(node, force=force and RemoveNode.force_offered(node))


def remove_node(ctx: ActionContext) -> None:
    from swarmtui.swarm.ops.nodes import RemoveNode
    from swarmtui.ui.flow import OpForm, start_operation

    node = _one(ctx, "remove")
    offered = RemoveNode.force_offered(node)
    start_operation(ctx.screen, OpForm(
        build=lambda _v, force: _remove_op(ctx, node, force),
        force_offered=offered, destructive=True,
        force_help=f"({node.name} is {node.status_text}: remove it even though the engine "
                   "cannot confirm it left)"))


def _fix_op(ctx: ActionContext, key: str = "") -> Operation:
    """The fix the node doctor found for the node under the cursor, as an Operation."""
    from swarmtui.swarm.reach.ops import StartEngine, UnlockManager

    node = _one(ctx, "fix")
    store = ctx.app.store
    reach = store.reach if store is not None else None
    found = reach.diagnosis(node.id) if reach is not None else None
    if found is None and node.state == "ready" and not health.is_locked(ctx.snapshot, node.id):
        raise RefusedError(f"{node.name} is Ready: nothing to fix (F starts the engine of a "
                           "Down node or unlocks a locked manager)")
    if reach is None or found is None:
        raise RefusedError(f"{node.name}: no diagnosis yet (the doctor probes Down and "
                           "Unknown nodes over SSH; needs a live connection)")
    if found.fix == "start-engine":
        return StartEngine.from_diagnosis(reach.pool, found, node.address, node.id)
    if found.fix == "unlock":
        return UnlockManager(reach.pool, node.hostname, node.address, node.id, key)
    raise RefusedError(f"{node.name}: {found.text} — swarmtui has no fix for that")


def fix_node(ctx: ActionContext) -> None:
    """F: start the engine of a node whose dockerd is down, or unlock a locked manager."""
    from swarmtui.swarm.reach.ops import UnlockManager
    from swarmtui.ui.flow import OpForm, fixed, start_operation

    op = _fix_op(ctx, "SWMKEY-1-")
    if isinstance(op, UnlockManager):
        held = ctx.app.unlock_key  # the key this session saw (init, tokens screen)
        start_operation(ctx.screen, OpForm(
            build=lambda v, _f: _fix_op(ctx, v),
            prompt="The swarm's unlock key (" + ("the one this session holds, masked"
                                                 if held else "docker swarm unlock-key on "
                                                 "another manager") + "):",
            initial=held.reveal() if held else "", placeholder="e.g. SWMKEY-1-…",
            secret=True))
        return
    start_operation(ctx.screen, fixed(op))


def host_view(ctx: ActionContext) -> None:
    """v: the node's host — its containers, disk, images, versions and stats history."""
    from swarmtui.ui.screens.nodehost import NodeHostScreen

    node = _one(ctx, "look at")
    ctx.app.push_screen(NodeHostScreen(node.id, node.hostname, node.address))


def _reach(ctx: ActionContext, what: str) -> NodeReach:
    store = ctx.app.store
    if store is None or store.reach is None:
        raise RefusedError(f"{what} needs a live connection with SSH to the nodes")
    return store.reach


def _prune_nodes(ctx: ActionContext, every: bool) -> list[Node]:
    if not every:
        return selected_nodes(ctx)
    nodes = [n for n in ctx.snapshot.nodes.values() if n.state == "ready"]
    if not nodes:
        raise RefusedError("no node is Ready: nothing can be pruned")
    return sorted(nodes, key=lambda n: n.name)


def _prune(every: bool) -> Handler:
    """P (marked nodes or the one under the cursor) / the palette's "every node": read
    each node's engine for the exact items, then the usual confirmation with them."""
    def run(ctx: ActionContext) -> None:
        reach = _reach(ctx, "prune")
        nodes = _prune_nodes(ctx, every)
        main = ctx.screen
        names = ", ".join(n.hostname for n in nodes)
        main.notify(f"reading what a prune would remove on {names}…", timeout=3)
        main.run_worker(_plan_then_confirm(main, reach, nodes), group="prune-plan",
                        exclusive=True, exit_on_error=False)

    return run


async def _plan_then_confirm(main: MainScreen, reach: NodeReach, nodes: list[Node]) -> None:
    from swarmtui.swarm.reach.prune import PruneNodes, PrunePlan, PruneTarget, plan_all_nodes
    from swarmtui.ui.flow import OpForm, start_operation

    future = reach.submit(plan_all_nodes(reach.pool, [(n.hostname, n.address) for n in nodes],
                                         volumes=True))
    try:
        plans = await asyncio.wait_for(asyncio.wrap_future(future), 60)
    except TimeoutError:
        main.notify("the nodes did not say what to prune within 60 s", severity="error")
        return
    targets = [PruneTarget(p, n.address, n.id) for n in nodes
               if isinstance(p := plans.get(n.hostname), PrunePlan)]
    failed = [f"{h}: {e}" for h, e in plans.items() if not isinstance(e, PrunePlan)]
    if failed:
        main.notify("\n".join(failed), title="not reached (left out of the prune)",
                    severity="warning", timeout=10)
    if not targets:
        return
    volumes = sum(len(t.plan.of("volume")) for t in targets)
    start_operation(main, OpForm(
        build=lambda _v, also: PruneNodes(reach.pool, targets, volumes=also),
        force_offered=volumes > 0, force_label="also volumes",
        force_help=f"({fmt.count(volumes, 'volume')} no container uses: their data is lost)"))


def _prune_preview(every: bool) -> Preview:
    """What the read-only refusal journals (no node is read for it)."""
    def preview(ctx: ActionContext) -> Operation:
        from swarmtui.swarm.reach.prune import PruneNodes, PrunePlan, PruneTarget

        reach = _reach(ctx, "prune")
        return PruneNodes(reach.pool, [PruneTarget(PrunePlan(n.hostname, (), False),
                                                   n.address, n.id)
                                       for n in _prune_nodes(ctx, every)])

    return preview


def _promote_op(nodes: list[Node]) -> Operation:
    from swarmtui.swarm.ops.nodes import PromoteNodes

    return PromoteNodes(nodes)


def _demote_op(nodes: list[Node]) -> Operation:
    from swarmtui.swarm.ops.nodes import DemoteNodes

    return DemoteNodes(nodes)


def _availability(to: str) -> Callable[[list[Node]], Operation]:
    def make(nodes: list[Node]) -> Operation:
        from swarmtui.swarm.ops.nodes import SetAvailability

        return SetAvailability(nodes, to)

    return make


def _label_preview(add: bool) -> Preview:
    def preview(ctx: ActionContext) -> Operation:
        from swarmtui.swarm.ops.node_labels import AddNodeLabel, RemoveNodeLabel

        nodes = selected_nodes(ctx)
        return AddNodeLabel(nodes, "KEY=VALUE") if add else RemoveNodeLabel(nodes, "KEY")

    return preview


_promote = _fixed(_promote_op)
_demote = _fixed(_demote_op)
_drain = _fixed(_availability("drain"))
_activate = _fixed(_availability("active"))
_pause = _fixed(_availability("pause"))


def _op(id: str, key: str, title: str, help: str, run: Handler, preview: Preview,
        footer: int = 0) -> Action:
    return Action(id, title, key, help, panes=("nodes",), mutating=True,
                  needs_selection=True, footer=footer, run=run, preview=preview,
                  requires=("snapshot",))


ACTIONS = (
    Action("pane.nodes", "Nodes", "1", "the Nodes pane (docker node ls)",
           run=lambda ctx: ctx.screen.action_pane("nodes")),
    Action("ops.mark", "Mark", "space", "mark/unmark the node: node keys then act on every "
           "marked node", panes=("nodes",), needs_selection=True, run=mark),
    _op("ops.promote", "plus", "Promote", "docker node promote NODE…", *_promote, footer=22),
    _op("ops.demote", "minus", "Demote", "docker node demote NODE…", *_demote),
    _op("ops.drain", "d", "Drain", "docker node update --availability drain NODE", *_drain,
        footer=20),
    _op("ops.activate", "a", "Activate", "docker node update --availability active NODE",
        *_activate, footer=21),
    _op("ops.pause", "c", "Pause", "docker node update --availability pause NODE "
        "(k9s: cordon)", *_pause),
    _op("ops.label_add", "L", "Label+", "docker node update --label-add KEY=VALUE NODE",
        add_label, _label_preview(add=True)),
    _op("ops.label_rm", "X", "Label-", "docker node update --label-rm KEY NODE",
        remove_label, _label_preview(add=False)),
    _op("ops.node_fix", "F", "Fix", "ssh NODE: start its engine (dockerd is not running) or "
        "docker swarm unlock (manager locked), as the node doctor found", fix_node,
        lambda ctx: _fix_op(ctx, "SWMKEY-1-KEY")),
    Action("nodes.host", "Host", "v", "the node's host over SSH: its containers (swarm and "
           "not), docker system df, images, kernel and engine, CPU/MEM/DISK history",
           panes=("nodes",), needs_selection=True, run=host_view,
           requires=("snapshot",)),
    _op("ops.prune", "P", "Prune", "ssh NODE docker container rm … / image rm … / builder "
        "prune: stopped containers, dangling images, build cache (volumes when asked), "
        "exactly as previewed", _prune(False), _prune_preview(False)),
    Action("ops.prune_all", "Prune every node", None, "the same prune on every Ready node, "
           "one preview for all", mutating=True, run=_prune(True), palette=True,
           requires=("snapshot",),
           preview=_prune_preview(True)),
    _op("ops.node_rm", "ctrl+d", "Remove", "docker node rm NODE (type its name to confirm; a "
        "Ready node leaves first: ssh NODE docker swarm leave)",
        remove_node, _remove_op),
)

PANE = Pane("nodes", "Nodes", "node", COLUMNS, frozenset({"nodes", "tasks", STATS}),
            "no nodes (yet)", rows, lambda snap: len(snap.nodes), ACTIONS)
