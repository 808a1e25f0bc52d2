"""The health header: counts on one line, then what is wrong, most severe first."""

from __future__ import annotations

import textwrap

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import Static

from swarmtui.swarm import health
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.widgets.text import show_text

OPEN_KIND = {"service": "services", "update": "services", "node": "nodes", "manager": "nodes",
             "task": "tasks"}
ICON = {"critical": ("✖", "$error"), "warning": ("▲", "$warning"), "info": ("•", "$primary")}


def fit_lines(text: str, width: int, lines: int) -> list[str]:
    """`text` wrapped at words into at most `lines` lines of `width` cells; when it needs
    more, the last one is cut and ends with "…"."""
    wrapped = textwrap.wrap(text, max(width, 8)) or [""]
    if len(wrapped) <= lines:
        return wrapped
    kept = wrapped[: lines - 1]
    rest = " ".join(wrapped[lines - 1:])
    return [*kept, rest[: max(width, 8) - 1].rstrip() + "…"]


def line_budget(needs: list[int], lines: int) -> list[int]:
    """Lines for each problem: one each, then the spare ones to those that need more, in
    order (the most severe first), so that a lone problem is said whole."""
    got = [1] * len(needs)
    spare = lines - len(needs)
    for n, need in enumerate(needs):
        extra = min(max(need - 1, 0), max(spare, 0))
        got[n] += extra
        spare -= extra
    return got


def summary_markup(s: health.Summary, failing: int, read_only: bool, view_state: str) -> str:
    def count(ok: int, total: int, word: str) -> str:
        colour = "$success" if ok == total else "$warning" if ok else "$error"
        return f"{word} [{colour}]{ok}/{total}[/]"

    parts = [f"[b]{escape(s.cluster_name or 'swarm')}[/b]"]
    parts.append(f"leader [b]{escape(s.leader)}[/b]" if s.leader else "[$error]no leader[/]")
    mgr = count(s.managers_reachable, s.managers_total, "managers")
    tol = f" (tolerates {s.tolerance})" if s.quorum else " [$error b]NO QUORUM[/]"
    parts.append(mgr + tol)
    parts.append(count(s.nodes_ready, s.nodes_total, "nodes"))
    parts.append(count(s.services_converged, s.services_total, "services"))
    colour = "$error" if failing else "$success"
    parts.append(f"failing tasks [{colour}]{failing}[/]")
    if view_state == "stale":
        parts.append("[$warning b]STALE[/]")
    line = " · ".join(parts)
    if read_only:
        line = "[reverse $warning b] READ-ONLY [/] " + line
    return line


class HealthHeader(Vertical):
    """Cluster counts and the problem list; refreshed from each snapshot."""

    DEFAULT_CSS = """
    HealthHeader {
        height: auto;
        background: $panel;
        padding: 0 1;
    }
    HealthHeader #summary { height: auto; }
    HealthHeader #problems {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    HealthHeader #problems.ok { color: $success; }
    """

    def __init__(self, read_only: bool = False, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.read_only = read_only
        self.max_lines = 3
        self.problems: list[health.Problem] = []
        self.summary: health.Summary | None = None
        self.view_state = "connecting"
        self._snap: ClusterSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield Static("connecting…", id="summary")
        yield Static("", id="problems")

    def show(self, snap: ClusterSnapshot, assessed: health.Health) -> None:
        """The snapshot's health, as the store computed it."""
        self._snap = snap
        self.summary = assessed.summary
        self.problems = list(assessed.problems)
        self._failing = len(assessed.failing)
        self._redraw()

    def set_state(self, state: str) -> None:
        if state != self.view_state:
            self.view_state = state
            self._redraw()

    def on_resize(self) -> None:
        # a new height: how many problem lines; a new width: where they wrap
        self.max_lines = max(1, min(8, (self.app.size.height - 12) // 3))
        self._redraw()

    def on_mount(self) -> None:
        self._redraw()  # a snapshot shown before the header's lines were composed

    def _redraw(self) -> None:
        if self.summary is None or not self.query("#summary"):
            return  # not composed yet: on_mount draws it
        summary = self.query_one("#summary", Static)
        probs = self.query_one("#problems", Static)
        s = self.summary
        if s.message:
            # the headline, then (quorum lost) the last known managers and what to do
            headline, *details = s.message.split("\n")
            show_text(summary, f"[$error b]{escape(headline)}[/]")
            snap = self._snap
            # wrapped at words: what to do is the point (it was cut at 80 columns)
            width = probs.content_region.width or self.app.size.width - 2
            said = [escape(part) for line in details for part in fit_lines(line, width, 6)]
            if snap is not None and snap.in_swarm and not snap.is_manager and \
                    snap.remote_managers:
                said.append("press [b]m[/b] to connect to one of its managers")
            probs.set_class(False, "ok")
            show_text(probs, "\n".join(said))
            return
        show_text(summary, summary_markup(s, self._failing, self.read_only, self.view_state))
        if not self.problems:
            probs.set_class(True, "ok")
            show_text(probs, "✔ nothing is wrong: every node is ready and every service converged")
            return
        probs.set_class(False, "ok")
        shown = self.problems[: self.max_lines]
        # each problem wrapped at words in the lines left over (at 80×24 a lone problem
        # was cut: "3 manage…"); the icon's two cells indent the lines after the first
        width = (probs.content_region.width or self.app.size.width - 2) - 2
        budget = line_budget([len(textwrap.wrap(p.text, max(width, 8))) for p in shown],
                             self.max_lines)
        lines = []
        for p, allowed in zip(shown, budget, strict=True):
            icon, colour = ICON.get(p.severity, ("•", "$primary"))
            kind = OPEN_KIND.get(p.kind)
            parts = [escape(part) for part in fit_lines(p.text, width, allowed)]
            if kind and p.object_id:
                # a click on the line opens what it is about
                parts = [f"[@click=app.open_object('{kind}','{p.object_id}')]{part}[/]"
                         for part in parts]
            lines.append(f"[{colour}]{icon}[/] " + "\n  ".join(parts))
        more = len(self.problems) - len(shown)
        if more > 0:
            lines.append(f"[$text-muted]  … and {more} more — press p to show only rows "
                         "with a problem[/]")
        show_text(probs, "\n".join(lines))
