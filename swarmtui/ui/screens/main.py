"""The main screen: health header, the five panes, the filter, the status bar."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TabbedContent, TabPane

from swarmtui.swarm import health
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.sync import gcpause
from swarmtui.swarm.sync.view import LinkView
from swarmtui.ui import actions, panes
from swarmtui.ui.panes import PANES
from swarmtui.ui.panes.base import CLOCK, RowsOf
from swarmtui.ui.tour import Tour, TourPanel
from swarmtui.ui.walkthrough import WalkthroughPanel
from swarmtui.ui.widgets.footer import KeysFooter
from swarmtui.ui.widgets.health import HealthHeader
from swarmtui.ui.widgets.marks import MarksBar, marks_text
from swarmtui.ui.widgets.status import StatusBar
from swarmtui.ui.widgets.table import KeyedTable, Prepared, Row
from swarmtui.ui.widgets.text import show_text

if TYPE_CHECKING:
    from textual.timer import Timer

    from swarmtui.ui.app import SwarmApp

#: above this many tasks + services, pane rows are built in a thread worker
BIG = 3000
#: a poll's rebuild of a big pane waits until the filter has not been typed in for this
#: long: the build shares the GIL with each keystroke's filtering (at 20,000 tasks the
#: worst keystroke while polls landed was 88 ms against a median of 37)
TYPING_S = 0.4
#: seconds after the first view is shown when the start's pause of the collector ends
GC_AFTER_FIRST_VIEW_S = 1.0


class PaneFilter(Input):
    """The `/` filter of the current pane."""

    DEFAULT_CSS = """
    PaneFilter { display: none; background: $boost; }
    PaneFilter.-textual-compact { padding: 0 1; }
    PaneFilter.shown { display: block; }
    """
    #: Input sets its virtual size (the text's width) on every keystroke, which lays the
    #: whole screen out; the filter is one line as wide as the screen whatever it holds:
    #: only its scroll range follows the text
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "done(True)", "Clear filter", id="filter.clear"),
        Binding("down,enter", "done(False)", "Keep filter", id="filter.keep"),
    ]

    def action_done(self, clear: bool) -> None:
        screen = self.screen
        assert isinstance(screen, MainScreen)
        screen.close_filter(clear)


class PaneTabs(TabbedContent):
    """The panes' tabs: their labels fit the width they get (the tour or the walkthrough
    beside them takes some)."""

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen):
            screen._update_tab_labels()

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        # a pane follows a table focused in it — not a focus that has moved on since: a
        # pane chosen as the screen starts met the start's focus of the Nodes table,
        # handled after it, and the panes went back to Nodes
        focused = self.screen.focused
        if focused is None or event.tab_pane not in focused.ancestors:
            event.prevent_default()  # TabbedContent's own handler does not run
            event.stop()


class MainScreen(Screen[None]):
    """The cluster at a glance; the screen people live in."""

    HELP_TITLE = "the main screen"

    DEFAULT_CSS = """
    MainScreen TabbedContent { height: 1fr; }
    MainScreen TabPane { padding: 0; }
    MainScreen ContentTabs { height: 1; }
    MainScreen Tabs { height: 1; }
    MainScreen Tab { padding: 0 1; }
    MainScreen #panes.narrow-tabs Tab { padding: 0 0 0 1; }
    MainScreen Underline { display: none; }
    MainScreen #side { dock: right; width: 40%; max-width: 56; display: none; }
    MainScreen #side.shown { display: block; }
    """
    #: every key of the main screen, generated from the action registry (ui/actions.py)
    BINDINGS: ClassVar[list[BindingType]] = list(actions.bindings("main"))

    def __init__(self, read_only: bool = False) -> None:
        super().__init__()
        self.read_only = read_only
        #: the store's snapshot the panes were last built from (the store owns the current one)
        self.shown: ClusterSnapshot | None = None
        self._dirty: set[str] = set()
        #: when the filter was last typed in (time.monotonic), and the timer that runs a
        #: poll's rebuild held back meanwhile
        self._typed_at = 0.0
        self._held: Timer | None = None
        #: kinds that changed while another screen was on top
        self.stale_kinds: set[str] = set()
        #: node IDs marked with space, in marking order (node keys act on all of them)
        self.ops_marked: list[str] = []
        #: the tab labels as last set (markup)
        self._tab_labels: dict[str, str] = {}
        #: each pane's rows maker, for the pane it was made for (the Tasks pane's keeps
        #: the rows that did not change)
        self._makers: dict[str, tuple[panes.Pane, RowsOf]] = {}
        #: the hostnames last told to node reach as seen (cursor, marked, on screen)
        self._seen_nodes: list[str] = []

    @property
    def swarm_app(self) -> SwarmApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield HealthHeader(read_only=self.read_only, id="health")
        with PaneTabs(initial="nodes", id="panes"):
            for n, pane in enumerate(PANES, 1):
                with TabPane(f"{n} {pane.label}", id=pane.kind):
                    yield KeyedTable(pane.columns, empty=pane.empty, noun=pane.noun,
                                     id=f"table-{pane.kind}")
        with Vertical(id="side"):
            panel = WalkthroughPanel(id="walkthrough")
            panel.set_class(self.swarm_app.walkthrough.shown, "shown")
            yield panel
            if self.swarm_app.tour is not None:
                yield TourPanel(self.swarm_app.tour, id="tour")
        yield PaneFilter(placeholder="type to filter: any column matches · Enter keeps · "
                         "Esc clears", compact=True, id="filter")
        yield MarksBar("", id="ops-marks", markup=False)
        yield StatusBar(id="status")
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        self.sync_side()
        self.active_table.focus()  # Nodes, unless a pane was chosen before the mount
        app = self.swarm_app
        if app.store is not None:
            self.show_link(app.store.view)
        if app.snapshot is not None:
            self.show_snapshot(app.snapshot, frozenset(panes.COLUMNS))

    def on_key(self, event: events.Key) -> None:
        """A pane's key pressed on another pane does nothing: it says where it acts."""
        said = actions.elsewhere(self, event.key)  # a dict look-up for most keys
        if said is not None and self.is_current and event.key not in self.active_bindings:
            key = self.app.get_key_display(Binding(event.key, ""))
            self.notify(said, title=key, timeout=4)

    def on_screen_resume(self) -> None:
        app = self.swarm_app
        if app.snapshot is not None and (self.stale_kinds or self.shown is not app.snapshot):
            kinds = frozenset(self.stale_kinds) or frozenset(panes.COLUMNS)
            self.stale_kinds.clear()
            self.show_snapshot(app.snapshot, kinds)

    # ------------------------------------------------------------- helpers
    def table(self, kind: str) -> KeyedTable:
        return self.query_one(f"#table-{kind}", KeyedTable)

    @property
    def active_kind(self) -> str:
        return self.query_one(TabbedContent).active or "nodes"

    @property
    def active_table(self) -> KeyedTable:
        return self.table(self.active_kind)

    # ---------------------------------------------------------------- data
    def show_snapshot(self, snap: ClusterSnapshot, kinds: frozenset[str]) -> None:
        if not self.query(HealthHeader):
            # not composed yet: on_mount shows the app's latest snapshot
            return
        if self.shown is None:
            # the first view: the collector may run once it is on screen and the start's
            # last work is done (its one pass over the start's ~100,000 young objects
            # costs 50-90 ms of CPU: not before the rows are painted)
            self.set_timer(GC_AFTER_FIRST_VIEW_S, gcpause.started)
            # the store's own extra work (the node pool's SSH handshakes) after the paint
            self.call_after_refresh(self._first_view_shown)
        self.shown = snap
        self.query_one(HealthHeader).show(snap, health.of(snap))
        for pane in PANES:
            if pane.depends & kinds or CLOCK in pane.depends:  # every snapshot is newer
                self._dirty.add(pane.kind)
        self._update_after_typing()
        self._update_tab_labels()

    def _first_view_shown(self) -> None:
        store = self.swarm_app.store
        if store is not None:
            store.shown()

    def _update_after_typing(self) -> None:
        """The shown pane's rebuild for a new snapshot; a big one waits while the filter
        is being typed in (the rows are at most a poll old meanwhile)."""
        wait = self._typed_at + TYPING_S - time.monotonic()
        snap = self.shown
        if wait > 0 and snap is not None and len(snap.tasks) + len(snap.services) > BIG:
            if self._held is None:
                self._held = self.set_timer(wait, self._typing_paused)
            return
        self._update_pane(self.active_kind)

    def _typing_paused(self) -> None:
        self._held = None
        self._update_after_typing()

    @staticmethod
    def empty_text(kind: str, snap: ClusterSnapshot) -> str:
        """What an empty pane says. An engine not in a swarm: how to create one, in the
        pane where the eye is (a toast there covered the status bar, then the wizard it
        offered)."""
        if kind == "tasks" and not snap.listed("tasks"):
            return "listing tasks…"  # the first view comes before the (larger) task list
        if snap.info and snap.local_state == "inactive":  # /info listed, says no swarm
            key = actions.action("wizard.init").key
            how = f"press {key} or open" if key else "open"
            return (f"{snap.engine_name or 'This engine'} is not in a swarm: {how} the "
                    "palette (:) → Initialise a swarm to create one (docker swarm init), "
                    "or join it to an existing swarm.")
        return panes.BY_KIND[kind].empty

    def show_tour(self, tour: Tour) -> None:
        for old in self.query(TourPanel):
            old.remove()
        self.query_one("#side").mount(TourPanel(tour, id="tour"))
        self.sync_side()

    def sync_side(self) -> None:
        """The side column shows while the walkthrough or the tour is on."""
        side = self.query_one("#side")
        side.set_class(self.swarm_app.walkthrough.shown or self.swarm_app.tour is not None,
                       "shown")

    def _update_pane(self, kind: str) -> None:
        if kind not in self._dirty or self.shown is None:
            return
        self._dirty.discard(kind)
        snap, now = self.shown, self.swarm_app.clock()
        probs = health.of(snap)  # computed once, by the store
        if len(snap.tasks) + len(snap.services) > BIG:
            # tens of thousands of rows: build them off the UI thread, apply the diff here;
            # the worker starts once the screen has been painted (a pane just switched to
            # shows its header and last rows first, not sharing the GIL with the build)
            self.call_after_refresh(self._build_rows, kind, snap, probs, now)
            return
        self._apply_rows(kind, snap, self.rows_of(kind)(snap, probs, now))

    # a description of its own: without one, Textual describes the worker by repr() of
    # its arguments — the whole snapshot, 0.7 s on the UI thread at 20,000 tasks
    @work(thread=True, exclusive=True, group="rows", exit_on_error=False,
          description="build a pane's rows")
    def _build_rows(self, kind: str, snap: ClusterSnapshot, probs: health.Health,
                    now: datetime) -> None:
        # the collector paused: its passes over the rows made meanwhile (tens of thousands
        # of tuples) held the GIL longer than making them
        with gcpause.paused(True):
            rows = self.rows_of(kind)(snap, probs, now)
            # diff, sort and measure here too: only the swap happens on the UI thread
            prepared = self.table(kind).prepare(rows)
        self.app.call_from_thread(self._apply_rows, kind, snap, prepared)

    def rows_of(self, kind: str) -> RowsOf:
        """What this screen makes the pane's rows with (`Pane.rows_maker`, kept)."""
        pane = panes.BY_KIND[kind]
        made = self._makers.get(kind)
        if made is None or made[0] is not pane:
            made = self._makers[kind] = (pane, pane.rows_maker())
        return made[1]

    def _apply_rows(self, kind: str, snap: ClusterSnapshot, rows: list[Row] | Prepared) -> None:
        if snap is not self.shown:
            # built from an older snapshot (thread workers finish in any order): rebuild
            self._dirty.add(kind)
            if kind == self.active_kind:
                self._update_pane(kind)
            return
        with self.app.batch_update():
            table = self.table(kind)
            table.empty_text = self.empty_text(kind, snap)
            if isinstance(rows, Prepared):
                table.apply_prepared(rows)
            else:
                table.apply(rows)
        if kind == "nodes":
            self._prefer_seen_nodes()

    @on(KeyedTable.Highlighted, "#table-nodes")
    def _prefer_seen_nodes(self) -> None:
        """Node reach samples and probes the nodes a person sees first (at 1,000 nodes it
        reaches a few a second: connect/budget.py)."""
        store, snap = self.swarm_app.store, self.shown
        if store is None or store.reach is None or snap is None:
            return
        seen = [snap.nodes[k].hostname for k in self.table("nodes").keys_seen()
                if k in snap.nodes]
        if seen != self._seen_nodes:
            self._seen_nodes = seen
            store.reach.prefer(seen)

    def _update_tab_labels(self) -> None:
        """"1 Nodes 3  2 Services 5 …"; where that is wider than the panes (the tour or the
        walkthrough beside them at 80 columns), "1 Nodes 2 Services …" so no tab is cut."""
        snap = self.shown
        if snap is None:
            return
        tabs = self.query_one(TabbedContent)
        counts = [pane.count(snap) if snap.listed("tasks") or pane.kind != "tasks" else "…"
                  for pane in PANES]
        full = sum(len(f"{n} {pane.label} {c}") + 2
                   for n, (pane, c) in enumerate(zip(PANES, counts, strict=True), 1))
        narrow = full > (tabs.size.width or self.app.size.width)
        tabs.set_class(narrow, "narrow-tabs")
        for n, (pane, count) in enumerate(zip(PANES, counts, strict=True), 1):
            label = f"{n} {pane.label}" if narrow else \
                f"{n} {pane.label} [$text-muted]{count}[/]"
            if self._tab_labels.get(pane.kind) != label:  # a label set lays out the screen
                self._tab_labels[pane.kind] = label
                tabs.get_tab(pane.kind).label = label

    def show_link(self, view: LinkView) -> None:
        for bar in self.query(StatusBar):
            bar.show(view)
        for header in self.query(HealthHeader):
            header.set_state(view.state)

    # -------------------------------------------------------------- events
    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        kind = event.pane.id or "nodes"
        self._update_pane(kind)
        table = self.table(kind)
        flt = self.query_one(PaneFilter)
        flt.value = table.filter_text
        self._show_bar(flt, bool(table.filter_text))
        if not flt.has_focus:
            table.focus()
        self.refresh_bindings()  # the footer lists the keys of the pane now shown
        self.swarm_app.tour_update()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._typed_at = time.monotonic()
        self.active_table.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.close_filter(False)

    @on(KeyedTable.Selected)
    def _selected(self, event: KeyedTable.Selected) -> None:
        kind = (event.table.id or "").removeprefix("table-")
        self.swarm_app.open_object(kind, event.key)

    # ------------------------------------------------------------- actions
    def action_pane(self, kind: str) -> None:
        self.query_one(TabbedContent).active = kind
        self._update_pane(kind)
        self.set_focus(self.table(kind))  # now: a focus message in flight is one of before

    def action_filter(self) -> None:
        flt = self.query_one(PaneFilter)
        flt.value = self.active_table.filter_text
        self._show_bar(flt, True)
        flt.focus()

    def close_filter(self, clear: bool) -> None:
        flt = self.query_one(PaneFilter)
        table = self.active_table
        if clear:
            flt.value = ""
            table.filter_text = ""
        self._show_bar(flt, bool(table.filter_text))
        table.focus()

    def action_clear_filter(self) -> None:
        if self.active_table.filter_text:
            self.close_filter(True)

    def action_problems(self) -> None:
        table = self.active_table
        table.problems_only = not table.problems_only
        self.notify("showing only rows with a problem" if table.problems_only
                    else "showing every row", timeout=2)

    def action_history(self) -> None:
        table = self.active_table
        table.hide_history = not table.hide_history
        self.notify("hiding replaced tasks (history)" if table.hide_history
                    else "showing task history", timeout=2)

    def action_sort(self) -> None:
        label = self.active_table.cycle_sort()
        self.notify(f"sorted by {label}", timeout=1.5)

    def action_reverse_sort(self) -> None:
        self.active_table.reverse_sort()

    def action_inspect(self) -> None:
        key = self.active_table.cursor_key
        if key and self.active_kind != "stacks":
            self.swarm_app.open_inspect(self.active_kind, key)

    def action_logs(self) -> None:
        """l: the service's logs (or the task's service's); on Services, the marked
        services' merged; on Stacks, the stack's services merged."""
        key = self.active_table.cursor_key
        kind = self.active_kind
        snap = self.shown
        if not key or snap is None:
            return
        app = self.swarm_app
        if kind == "services":
            marked = [i for i in self.ops_marked if i in snap.services]
            app.open_logs(*(marked or [key]))
        elif kind == "tasks" and key in snap.tasks:
            app.open_task_logs(key)
        elif kind == "stacks" and key in snap.stacks:
            app.open_logs(*(s.id for s in snap.stacks[key]), what=f"stack {key}")
        else:
            self.notify("logs: pick a service (2), a task (3) or a stack (5)", timeout=2)

    # ------------------------------------------------------- the registry
    def action_act(self, action_id: str) -> None:
        """Every key of this screen: the registry's gate, then the action's handler."""
        actions.open_action(self.swarm_app, action_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and parameters:
            return actions.offered(self, str(parameters[0]))
        return super().check_action(action, parameters)

    # ---------------------------------------------------------------- marks
    def show_marks(self) -> None:
        snap = self.swarm_app.snapshot
        if snap is not None:  # forget nodes that left the swarm, services removed
            self.ops_marked[:] = [i for i in self.ops_marked
                                  if i in snap.nodes or i in snap.services]
        said = marks_text(snap, self.ops_marked) if snap is not None else ""
        for kind in ("nodes", "services"):
            self.table(kind).mark(self.ops_marked)
        self._prefer_seen_nodes()
        for bar in self.query(MarksBar):
            show_text(bar, said)
            self._show_bar(bar, bool(said))

    def _show_bar(self, bar: Widget, shown: bool) -> None:
        """Show or hide the filter or the marks bar; the toasts rise above the bars shown
        (app.py's CSS): a passing message never hides what is marked or typed."""
        bar.set_class(shown, "shown")
        rows = sum(w.has_class("shown") for w in (*self.query(PaneFilter), *self.query(MarksBar)))
        self.set_class(rows == 1, "-one-bar")
        self.set_class(rows == 2, "-two-bars")

    def clear_marks(self) -> None:
        self.ops_marked.clear()
        self.show_marks()

    def action_managers(self) -> None:
        self.swarm_app.pick_manager()

    def action_refresh(self) -> None:
        store = self.swarm_app.store
        if store is not None:
            store.request("all")

    def pane_rows(self, kind: str) -> dict[str, Any]:
        """Every row of a pane by key (tests compare them with the docker CLI)."""
        table = self.table(kind)
        return {k: table.visible_cells(k) for k in table.rows}
