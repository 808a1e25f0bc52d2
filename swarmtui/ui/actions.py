"""THE action registry: every user action of the main screen and the app, declared once.

An `Action` (ui/panes/base.py) says: id (the binding id `[keymap]` remaps), default key,
the pane(s) where it is live, whether it changes the cluster, whether it needs a
selected row, its footer rank, its help (the docker CLI it equals) and its handler.
The actions of a pane are declared in that pane's module (ui/panes/nodes.py, …); the
rest (filter, sort, wizards, quit, …) below. Everything else is generated from here:

* `bindings("main")` / `bindings("app")` — MainScreen's and SwarmApp's BINDINGS; every
  main-screen key binds ``act('<id>')`` → `MainScreen.action_act` → `open_action`;
* `live(main, action_id)` — MainScreen.check_action: a pane's key acts on its pane only
  (the footer lists the keys of the pane shown; help marks the others);
* `open_action(app, id)` — the one gate: read-only refuses a mutating action before
  anything opens (the READ-ONLY notice, a 'refused' line in the audit journal), then
  the requirements (connected, manager, …), then the handler;
* `footer_rank(id)` — which keys the footer keeps when it is narrow;
* the command palette's entries (ui/palette.py): the keys live here, then the forms and
  wizards (`palette=True`, on every screen), in this registry's order.

Finding what a key does: its entry (here or in its pane module) names the handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from textual.binding import Binding

from swarmtui.ui import forms, panes
from swarmtui.ui.panes.base import Action, ActionContext, RefusedError, opens
from swarmtui.ui.screens.wizards import factories as wizards

if TYPE_CHECKING:
    from swarmtui.swarm.ops.base import Operation
    from swarmtui.ui.app import SwarmApp
    from swarmtui.ui.screens.main import MainScreen

READ_ONLY_NOTICE = ("READ-ONLY: {title} refused — nothing was sent. swarmtui runs in "
                    "read-only mode (--read-only or the profile); the change would be:\n{cli}")
READ_ONLY_REFUSAL = ("READ-ONLY: {title} changes the cluster, so it is not opened: swarmtui "
                     "runs in read-only mode (restart without --read-only to use it)")


def _main(method: str, *args: str) -> Any:
    """The handler of a main-screen action: a method of MainScreen."""
    def run(ctx: ActionContext) -> None:
        getattr(ctx.screen, method)(*args)

    return run


def _wizard(id: str, key: str | None, title: str, help: str, factory: Any,
            requires: tuple[Any, ...]) -> Action:
    return Action(f"wizard.{id}", title, key, help, mutating=True, run=opens(factory),
                  palette=True, requires=("connection", *requires))


def _palette_form(id: str, title: str, help: str, factory: Any, mutating: bool) -> Action:
    return Action(f"forms.{id}", title, None, help, mutating=mutating, run=opens(factory),
                  palette=True, requires=("connection", "manager"))


def _placement_map(ctx: ActionContext) -> None:
    from swarmtui.ui.screens.placement import PlacementScreen

    ctx.snapshot  # noqa: B018  (refuses before the first snapshot)
    ctx.app.push_screen(PlacementScreen())


def _events(ctx: ActionContext) -> None:
    from swarmtui.ui.screens.events import EventsScreen

    ctx.snapshot  # noqa: B018  (refuses before the first snapshot)
    ctx.app.push_screen(EventsScreen())


def _rotate_ca_op(ctx: ActionContext) -> Operation:
    from swarmtui.swarm.ops.ca import RotateCA

    return RotateCA()


def _rotate_ca(ctx: ActionContext) -> None:
    from swarmtui.ui.flow import fixed, start_operation

    start_operation(ctx.screen, fixed(_rotate_ca_op(ctx)))


def _pause_stats(ctx: ActionContext) -> None:
    store = ctx.app.store
    reach = store.reach if store is not None else None
    if reach is None or reach.sampler is None:
        raise RefusedError("no live stats: they need SSH to the nodes, and stats_interval "
                           "above 0 in the config")
    paused = not reach.stats_paused
    reach.pause_stats(paused)
    ctx.app.notify("live stats paused: the figures shown are the last ones (z resumes)"
                   if paused else "live stats resumed", timeout=3)


#: the actions that belong to no pane
GENERAL: tuple[Action, ...] = (
    Action("main.filter", "Filter", "slash", "filter the pane: rows holding the text in any "
           "column", footer=30, run=_main("action_filter")),
    Action("main.clear_filter", "Clear filter", "escape", "clear the pane's filter",
           run=_main("action_clear_filter")),
    Action("main.problems", "Problems", "p", "only rows with a problem (again: every row)",
           footer=32, run=_main("action_problems")),
    Action("main.history", "History", "h", "hide replaced tasks (task history)",
           run=_main("action_history")),
    Action("main.sort", "Sort", "s", "sort by the next column", run=_main("action_sort")),
    Action("main.reverse_sort", "Reverse sort", "S", "reverse the sort",
           run=_main("action_reverse_sort")),
    Action("main.inspect", "Inspect", "i", "the raw inspect JSON (docker … inspect)",
           panes=("nodes", "services", "tasks", "networks"), needs_selection=True,
           run=_main("action_inspect")),
    Action("main.logs", "Logs", "l", "docker service logs -f of the service (or the task's);"
           " of the marked services or the stack's, merged; a task that ended: its "
           "container's logs, exit code and OOMKilled from its node",
           panes=("services", "tasks", "stacks"), needs_selection=True, footer=31,
           run=_main("action_logs")),
    Action("main.refresh", "Refresh", "ctrl+r", "re-list everything",
           run=_main("action_refresh")),
    Action("main.stats_pause", "Pause stats", "z", "pause (again: resume) the live CPU, MEM "
           "and DISK samples of every node over SSH", panes=("nodes", "tasks"),
           run=_pause_stats, requires=("connection",)),
    Action("main.managers", "Managers", "m", "on a worker: the managers it knows, to "
           "connect to one", run=_main("action_managers")),
    Action("ops.rotate_ca", "Rotate the root CA", None, "docker swarm ca --rotate: a new "
           "root CA, followed until every node holds a certificate from it",
           mutating=True, run=_rotate_ca, palette=True, requires=("snapshot", "manager"),
           preview=_rotate_ca_op),
    Action("main.placement", "Placement map", "M", "services × nodes: the running/wanted "
           "tasks of each service on each node", run=_placement_map, palette=True),
    Action("main.events", "Events", "E", "docker events (scope swarm) in words, with the "
           "task state changes seen between polls; newest first, / filters",
           run=_events, palette=True, requires=("connection",)),
    _wizard("init", "I", "Initialise a swarm",
            "docker swarm init on an engine that is not in a swarm", wizards.init,
            ("not-in-swarm",)),
    _wizard("bootstrap", "B", "Bootstrap a new host",
            "install Docker, open ports and join a host over SSH, step by step",
            wizards.bootstrap, ("manager",)),
    _wizard("bootstrap-many", None, "Bootstrap several hosts",
            "probe and join several hosts at once (same role)", wizards.bootstrap_many,
            ("manager",)),
    _wizard("tokens", "T", "Join tokens & keys",
            "join commands, token rotation, autolock, unlock keys, unlock a manager",
            wizards.tokens, ("manager",)),
    _wizard("settings", "C", "Swarm settings",
            "certificate expiry, dispatcher heartbeat, task history; CA dates",
            wizards.settings, ("manager",)),
    _wizard("leave", None, "Leave the swarm", "docker swarm leave on the connected engine",
            wizards.leave, ()),
    _wizard("force-new-cluster", None, "Recover quorum (force-new-cluster)",
            "docker swarm init --force-new-cluster on a surviving manager",
            wizards.force_new_cluster, ()),
    _wizard("backup", "K", "Backup & restore", "swarmtui backup create|list|restore: a "
            "manager's raft state to this machine (quorum-guarded), and back",
            wizards.backup, ()),
    _wizard("recover", "Q", "Recover a lost quorum", "probe the managers over SSH, "
            "force a new cluster on the freshest, re-join the others", wizards.recover, ()),
    _palette_form("secrets", "Secrets", "list secrets (never their data), who uses them; "
                  "create, remove", forms.secrets, mutating=False),
    _palette_form("configs", "Configs", "list configs, who uses them; create, remove",
                  forms.configs, mutating=False),
    _palette_form("new-secret", "New secret", "docker secret create from typed text or a "
                  "file", forms.new_secret, mutating=True),
    _palette_form("new-config", "New config", "docker config create from typed text or a "
                  "file", forms.new_config, mutating=True),
    # ------------------------------------------------- the app's (every screen)
    Action("app.quit", "Quit", "q", "leave swarmtui", scope="app", textual="quit"),
    Action("app.help", "Help", "question_mark", "the keys of this screen (again: close)",
           scope="app", textual="help", footer=1),
    # ctrl+p as Textual adds it (priority: works in inputs too), and `:` like vim/k9s
    Action("app.palette", "palette", "ctrl+p", "Open the command palette", scope="app",
           textual="command_palette", priority=True),
    Action("app.palette_colon", "Palette", "colon", "the command palette", scope="app",
           textual="command_palette"),
    Action("walkthrough.toggle", "Walkthrough", "w", "side panel: each action's docker "
           "command and what Swarm does", scope="app", textual="toggle_walkthrough"),
    Action("walkthrough.export", "Export commands", "W", "write the session's commands as "
           "a script", scope="app", textual="export_walkthrough"),
)

#: every action: the panes' (in tab order), then the general ones
ACTIONS: tuple[Action, ...] = (*(a for p in panes.PANES for a in p.actions), *GENERAL)
BY_ID: dict[str, Action] = {a.id: a for a in ACTIONS}
if len(BY_ID) != len(ACTIONS):  # pragma: no cover - a declaration mistake, caught on import
    raise RuntimeError("two actions share an id")


def action(action_id: str) -> Action:
    try:
        return BY_ID[action_id]
    except KeyError:
        raise KeyError(f"no action {action_id!r}") from None


def bindings(scope: Literal["main", "app"]) -> list[Binding]:
    """The BINDINGS of MainScreen ("main") or SwarmApp ("app"), footer keys first."""
    chosen = [a for a in ACTIONS if a.scope == scope and a.key]
    chosen.sort(key=lambda a: a.footer or 1000)
    return [Binding(a.key or "", a.textual or f"act('{a.id}')", a.title, show=a.footer > 0,
                    id=a.id, tooltip=a.help, priority=a.priority) for a in chosen]


#: read-only: a change's key gives way after every other (it is refused when pressed)
READ_ONLY_RANK = 1000


def footer_rank(binding_id: str | None, read_only: bool = False) -> int | None:
    """The footer rank of a registry binding (lower stays longer), None if not one."""
    a = BY_ID.get(binding_id or "")
    if a is not None and read_only and a.mutating:
        return READ_ONLY_RANK + (a.footer or 0)
    return a.footer if a is not None and a.footer else None


def live(main: MainScreen, action_id: str) -> bool:
    """Whether the key acts where the main screen is now (its pane is shown)."""
    a = BY_ID.get(action_id)
    if a is None:
        return False
    if not a.panes:
        return True
    try:
        return main.active_kind in a.panes
    except Exception:  # not composed yet
        return False


def offered(main: MainScreen, action_id: str) -> bool:
    """Whether the key is offered where the main screen is now: its pane is shown and,
    when it acts on a row, the pane has one (the empty Nodes pane offers no Drain)."""
    if not live(main, action_id):
        return False
    a = BY_ID[action_id]
    if not a.needs_selection or not a.panes:
        return True
    try:
        return main.active_table.cursor_key is not None
    except Exception:  # not composed yet
        return False


def pane_names(a: Action) -> str:
    """Where a pane's key acts, in words: "Services (2)", "Nodes (1) and Tasks (3)"."""
    names = [f"{p.label} ({n})" for n, p in enumerate(panes.PANES, 1) if p.kind in a.panes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def elsewhere(main: MainScreen, key: str) -> str | None:
    """What a key of the main screen that does nothing on the pane shown does on the others
    ("Promote on Nodes (1)"); None when it acts here, or is no pane's key."""
    found = [BY_ID[b.id] for b in main._bindings.key_to_bindings.get(key, ())
             if b.id in BY_ID and BY_ID[b.id].panes]
    if not found:
        return None
    here = [a for a in found if live(main, a.id)]
    if here:  # a key of this pane with no row to act on
        return None if any(offered(main, a.id) for a in here) else \
            f"{here[0].title}: no row to act on"
    return "; ".join(f"{a.title} on {pane_names(a)}" for a in found) + \
        f" — not a key of {panes.BY_KIND[main.active_kind].label}"


# ------------------------------------------------------------------ the gate
def main_screen(app: SwarmApp) -> MainScreen | None:
    from swarmtui.ui.screens.main import MainScreen

    return next((s for s in app.screen_stack if isinstance(s, MainScreen)), None)


def _selection(main: MainScreen | None, a: Action) -> str | None:
    """The cursor row of the main screen when it shows one of the action's panes."""
    if main is None or not main.is_mounted:
        return None
    try:
        kind = main.active_kind
        if a.panes and kind not in a.panes:
            return None
        return main.active_table.cursor_key
    except Exception:  # not composed yet
        return None


def refusal(app: Any, a: Action, selected: str | None = None) -> str | None:
    """Why `a` cannot open now, from what the app already knows (no I/O); read-only
    first. (The READ-ONLY refusal of an action with a preview is `refuse`'s.)"""
    if a.mutating and bool(app.read_only):
        return READ_ONLY_REFUSAL.format(title=a.title)
    snap = app.snapshot
    for need in a.requires:
        if need == "connection" and app.store is None:
            return "not connected to a Docker engine yet"
        if need == "snapshot" and snap is None:
            return "no cluster state yet: wait for the first refresh"
        if need == "not-in-swarm" and snap is not None and snap.in_swarm:
            return "this engine is already in a swarm (leave it first to initialise a new one)"
        if need == "manager" and snap is not None and not snap.is_manager:
            return snap.message or "this engine is not a swarm manager"
    if a.needs_selection and not selected and a.preview is None:
        where = f" on the {a.panes[0]} pane" if len(a.panes) == 1 else ""
        return f"{a.title}: select a row{where} first"
    return None


def refuse(ctx: ActionContext) -> None:
    """Read-only: say what would have been sent, journal the refusal; nothing opens."""
    a = ctx.action
    assert a.preview is not None
    refuse_op(ctx.app, a.preview(ctx))


def refuse_op(app: SwarmApp, op: Operation) -> None:
    """Read-only refuses `op` (a key of a screen other than the main one): the notice
    with its CLI line, a 'refused' journal line; nothing is sent, nothing opens."""
    from swarmtui.swarm.ops.runner import refuse_read_only
    from swarmtui.ui.flow import audit_labels, display_title

    cluster, endpoint = audit_labels(app)
    outcome = refuse_read_only(op, cluster=cluster, endpoint=endpoint)
    text = READ_ONLY_NOTICE.format(title=display_title(op).lower(), cli=op.cli)
    if outcome.journal_error:
        text += f"\n({outcome.journal_error})"
    app.notify(text, title="READ-ONLY", severity="warning", timeout=8)


_CURSOR = object()


def open_action(app: SwarmApp, action_id: str, selected: Any = _CURSOR) -> bool:
    """Run an action as its key would: refused (read-only, not ready, nothing selected)
    with a toast saying why, else its handler. `selected` defaults to the main screen's
    cursor row on the action's pane. True if the handler ran to the end."""
    a = action(action_id)
    main = main_screen(app)
    if selected is _CURSOR:
        selected = _selection(main, a)
    ctx = ActionContext(app, main, selected, a)
    try:
        if a.mutating and app.read_only and a.preview is not None:
            refuse(ctx)
            return False
        why = refusal(app, a, selected)
        if why is not None:
            raise RefusedError(why)
        if a.run is None:
            raise RefusedError(f"{a.title}: not an action of this screen")
        a.run(ctx)
    except (RefusedError, LookupError) as exc:
        app.notify(str(exc).strip("'\""), title=a.title, severity="warning", timeout=8)
        return False
    return True


__all__ = ["ACTIONS", "BY_ID", "READ_ONLY_NOTICE", "READ_ONLY_REFUSAL", "Action",
           "action", "bindings", "footer_rank", "live", "open_action", "refusal"]
