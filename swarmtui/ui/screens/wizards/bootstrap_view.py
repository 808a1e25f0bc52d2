"""What the two bootstrap wizards (one host, several hosts) share: the fields they both ask
(sudo password, the role to join as), and their text: the checklist, the plan, apply
events, the quorum preview (content markup, everything user- or host-supplied escaped;
secrets already redacted)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from textual.containers import Horizontal
from textual.widgets import Input, Select

from swarmtui.bootstrap.facts import Check
from swarmtui.bootstrap.plan import Plan, Role, Step
from swarmtui.bootstrap.remote import SudoPassword
from swarmtui.bootstrap.runner import ApplyEvent
from swarmtui.secrets import redact
from swarmtui.ui.screens.wizards.common import WizardScreen, labelled, markup_escape


class HostsWizard(WizardScreen):
    """Base of the bootstrap wizards: the sudo password (kept in memory only) and the
    role the hosts join as (`#sudo`, `#role`)."""

    DEFAULT_CSS = WizardScreen.DEFAULT_CSS + """
    HostsWizard #role { width: 20; }
    """

    def sudo_field(self) -> Horizontal:
        return labelled("sudo password", Input(
            password=True, placeholder="only if sudo asks one (kept in memory)", id="sudo"))

    def role_select(self) -> Select[str]:
        """The "Join as" choice; the caller puts it in its row with its label."""
        return Select[str]([("worker", "worker"), ("manager", "manager")], value="worker",
                           allow_blank=False, id="role")

    def role(self) -> Role:
        return "manager" if self.query_one("#role", Select).value == "manager" else "worker"

    def sudo_password(self) -> SudoPassword:
        return SudoPassword(self.query_one("#sudo", Input).value)


MARKS = {"pass": "[$success]✔ pass[/]", "warn": "[$warning]! warn[/]",
         "fail": "[$error]✘ fail[/]"}


def checklist(checks: list[Check] | tuple[Check, ...]) -> str:
    lines = []
    for c in checks:
        mark = MARKS.get(c.status, markup_escape(c.status))
        lines.append(f"{mark}  [b]{markup_escape(c.title)}[/b] — {markup_escape(c.reason)}")
    return "\n".join(lines) or "no facts"


def step_text(step: Step) -> str:
    if step.satisfied:
        head = f"[$success]✔ satisfied[/]  {markup_escape(step.title)}"
        tail = f" — {markup_escape(step.reason)}" if step.reason else ""
        return head + tail
    if step.blocked is not None:
        return (f"[$error]✘ blocked[/]  {markup_escape(step.title)} — "
                f"{markup_escape(step.blocked)}")
    lines = [f"[$accent]• to do[/]  {markup_escape(step.title)}"
             + (f" — {markup_escape(step.reason)}" if step.reason else "")]
    lines += [f"      $ {markup_escape(redact(cmd))}" for cmd in step.commands]
    return "\n".join(lines)


def plan_text(plan: Plan) -> str:
    body = "\n".join(step_text(s) for s in plan.steps)
    if plan.nothing_to_do:
        body += "\n\n[$success]Nothing to do: the host is already as planned.[/]"
    elif not plan.will_join and plan.options.join:
        body += "\n\n[$warning]This plan does not join the swarm (see the blocked steps).[/]"
    return body


def event_line(host: str, e: ApplyEvent) -> str | None:
    """A plain line for the output log (None for output chunks, written raw)."""
    title = e.step.title if e.step is not None else ""
    prefix = f"[{host}] " if host else ""
    text = {
        "start": f"▶ {title}",
        "command": f"$ {e.text}",
        "skip": f"✔ {title}: {e.text}",
        "done": f"✔ {title}: done",
        "fail": f"✘ {title} FAILED. {e.text}",
        "blocked": f"■ stopped before {title}: {e.text}",
        "wait": f"… {e.text}",
        "finished": f"■ {e.text}",
    }.get(e.kind)
    return None if text is None else redact(prefix + text)


def quorum_lines(snapshot: Any, host: str) -> list[str]:
    """What a new manager does to the manager count and fault tolerance."""
    from swarmtui.swarm.ops.quorum import quorum_preview

    if snapshot is None or not getattr(snapshot, "managers", None):
        return ["the cluster's managers are not known yet"]
    newcomer: Any = SimpleNamespace(id=f"new:{host}", state="ready", name=host,
                                    status_text="ready")
    preview = quorum_preview(snapshot, promote=[newcomer])
    return [*preview.lines, *preview.warnings, *preview.blocks]
