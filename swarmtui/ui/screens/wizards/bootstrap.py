"""Bootstrap a new host into the swarm over SSH: reach it (host key checked, the same
trust prompt as everywhere; sudo password in memory only) → the facts as a checklist →
the plan with its exact commands → export as a script, or apply step by step with live
output → the node in the cluster; then labels and, for a manager, the quorum preview.

The work is `swarmtui.bootstrap.HostBootstrap`; this screen only drives and shows it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Log, Select, Static

from swarmtui.bootstrap.export import write_script
from swarmtui.bootstrap.operation import ApplyPlans
from swarmtui.bootstrap.plan import Plan, PlanOptions, hostname_problem
from swarmtui.bootstrap.remote import SudoPassword
from swarmtui.bootstrap.runner import ApplyEvent, ApplyResult, HostBootstrap
from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.ops.runner import Sent
from swarmtui.ui.context import swarm_app
from swarmtui.ui.screens.wizards import bootstrap_view as view
from swarmtui.ui.screens.wizards.common import act, labelled, markup_escape


class BootstrapScreen(view.HostsWizard):
    TITLE_TEXT = "Bootstrap a new host"
    HELP_TEXT = ("Reach the host over SSH, look before touching, then run the plan (or "
                 "export it as a script). Every step is idempotent: running the wizard "
                 "again continues from where the host is.")
    DEFAULT_CSS = view.HostsWizard.DEFAULT_CSS + """
    BootstrapScreen Log { height: 14; border: round $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "probe", "Connect & probe", id="bootstrap.probe"),
        Binding("f3", "export", "Export script", id="bootstrap.export"),
        Binding("f5", "apply", "Apply", id="bootstrap.apply"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.host: Any = None  # HostConnection (closed on unmount)
        self.boot: HostBootstrap | None = None
        self.plan: Plan | None = None
        self.result: ApplyResult | None = None
        self.applying = False
        #: a probe is under way (F2); F5 pressed meanwhile is kept for when its plan is made
        self.probing = False
        self.apply_when_planned = False
        self._probe_run: object | None = None

    def compose_body(self) -> ComposeResult:
        yield labelled("Host", Input(placeholder="ssh alias or user@host[:port]", id="host"))
        yield self.sudo_field()
        yield labelled("Join as", self.role_select(),
                       Input(placeholder="optional: a new hostname", id="hostname"))
        yield from act("Connect & probe \\[F2]", "probe")
        yield Static("Facts", classes="section")
        yield Static("(not probed yet)", id="checks")
        yield Static("Plan", classes="section")
        yield Static("(no plan yet)", id="plan")
        yield Static("", id="quorum", classes="warn")
        yield Static("Export as a shell script", classes="section")
        # the path on a row of its own: beside the checkbox and button it had 10 cells at 80
        yield Input(placeholder="path of the script to write, e.g. ./join-node4.sh",
                    id="export-path")
        with Horizontal():
            yield Checkbox("include the join token (a secret!)", id="export-token")
            yield Button("Export \\[F3]", id="export")
        yield Static("", id="export-status")
        yield Static("Apply", classes="section")
        yield Button("Apply the plan \\[F5]", id="apply", variant="warning")
        yield Log(id="output", auto_scroll=True)
        yield Static("", id="result", classes="status")
        yield Static("Node labels (after the join)", classes="section")
        with Horizontal():
            yield Input(placeholder="e.g. zone=a disk=ssd", id="labels")
            yield Button("Add labels", id="labels-go")
        yield Static("", id="labels-status")

    async def on_unmount(self) -> None:
        await self._close_host()

    async def _close_host(self) -> None:
        host, self.host = self.host, None
        if host is not None:
            await host.close()

    # -------------------------------------------------------------------- probe
    @on(Button.Pressed, "#probe")
    @on(Input.Submitted, "#host")
    def action_probe(self) -> None:
        if self.applying:
            self.say("status", "A run is in progress.", error=True)
            return
        target = self.query_one("#host", Input).value.strip()
        if not target:
            self.say("status", "Type the host to bootstrap: an ssh alias or user@host[:port].",
                     error=True)
            return
        self.say("status", f"connecting to {target}…")
        self.boot = self.plan = self.result = None
        self.probing = True  # from now: an F5 before the worker even starts is kept
        self._probe_run = run = object()
        self.probe_host(target, self.sudo_password(), run)

    @work(exclusive=True, group="bootstrap-probe", exit_on_error=False)
    async def probe_host(self, target: str, sudo_password: SudoPassword, run: object) -> None:
        try:
            await self._probe(target, sudo_password)
        finally:
            if self._probe_run is run:  # not a probe that a newer F2 cancelled
                self.probing = False
        if self.apply_when_planned:  # F5 was pressed while it probed
            self.apply_when_planned = False
            if self.plan is not None:
                self.action_apply()

    async def _probe(self, target: str, sudo_password: SudoPassword) -> None:
        from swarmtui.bootstrap.remote import SshRunner
        from swarmtui.ui.screens.wizards.sshhost import describe, open_host

        await self._close_host()
        try:
            store = self.cluster_store()
            self.host = await open_host(target, trust=self.ask_trust_callback(),
                                        ssh_config_extra=self.ssh_config_extra())
        except Exception as exc:  # noqa: BLE001 - ConnectError says what to do
            self.say("status", describe(exc), error=True)
            return
        runner = SshRunner(self.host.conn, sudo_password=sudo_password)
        self.boot = HostBootstrap(runner, store, host=self.host.label)
        self._probe_said(f"connected to {self.host.user}@{self.host.label}; probing "
                         "(read-only)…")
        try:
            facts = await self.boot.probe()
        except Exception as exc:  # noqa: BLE001 - SwarmSpecError is redacted
            self.say("status", f"Probing failed: {exc}", error=True)
            return
        self.query_one("#checks", Static).update(view.checklist(facts.checks))
        fails = sum(1 for c in facts.checks if c.status == "fail")
        warns = sum(1 for c in facts.checks if c.status == "warn")
        self.say("status", f"{self.host.label}: {fmt.count(len(facts.checks), 'fact')}, "
                 f"{fails} failing, "
                 f"{fmt.count(warns, 'warning')}.")
        self.replan()

    def _probe_said(self, text: str) -> None:
        """A probe's progress line, keeping the word that F5 is waiting for the plan."""
        if self.apply_when_planned:
            text += " F5 pressed: the plan opens for confirmation once it is ready."
        self.say("status", text)

    # --------------------------------------------------------------------- plan
    def options(self) -> tuple[PlanOptions, str | None]:
        hostname = self.query_one("#hostname", Input).value.strip() or None
        problem = hostname_problem(hostname) if hostname else None
        return PlanOptions(role=self.role(), hostname=hostname, join=True), problem

    @on(Select.Changed, "#role")
    @on(Input.Changed, "#hostname")
    def replan(self) -> None:
        if self.boot is None or self.boot.facts is None:
            return
        opts, problem = self.options()
        if problem:
            self.query_one("#plan", Static).update(f"[$error]{markup_escape(problem)}[/]")
            self.plan = None
            return
        self.plan = self.boot.plan(opts)
        self.query_one("#plan", Static).update(view.plan_text(self.plan))
        quorum = ""
        if opts.role == "manager" and self.plan.will_join:
            quorum = "Quorum preview (joining as a manager):\n" + "\n".join(
                markup_escape(x) for x in view.quorum_lines(swarm_app(self).snapshot,
                                                            self.boot.host))
        self.query_one("#quorum", Static).update(quorum)

    # ------------------------------------------------------------------- export
    @on(Button.Pressed, "#export")
    @on(Input.Submitted, "#export-path")
    def action_export(self) -> None:
        status = self.query_one("#export-status", Static)
        if self.boot is None or self.plan is None:
            status.update("[$error]Probe the host first (F2): the script is made from its "
                          "plan.[/]")
            return
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            status.update("[$error]Type the path of the script to write.[/]")
            return
        from swarmtui.bootstrap.export import ExportError, user_path

        try:
            path = user_path(raw)
        except ExportError as exc:
            status.update(f"[$error]{markup_escape(str(exc))}[/]")
            return
        if not path.parent.is_dir():
            status.update(f"[$error]{markup_escape(path.parent)} is not a directory: "
                          "choose an existing one.[/]")
            return
        self.export_script(path, self.query_one("#export-token", Checkbox).value)

    @work(exclusive=True, group="bootstrap-export", exit_on_error=False)
    async def export_script(self, path: Path, reveal: bool) -> None:
        assert self.boot is not None
        status = self.query_one("#export-status", Static)
        try:
            script = await self.boot.export(reveal_token=reveal)
            await asyncio.to_thread(write_script, path, script)
        except Exception as exc:  # noqa: BLE001 - OSError or a redacted SwarmSpecError
            status.update(f"[$error]{markup_escape(redact(str(exc)))}[/]")
            return
        note = ("the join token is IN it: keep it private (mode 0700)" if reveal else
                "the join token is redacted: fill $SWARM_JOIN_TOKEN in before running it "
                "(mode 0700)")
        status.update(markup_escape(f"Wrote {path} — {note}."))

    # -------------------------------------------------------------------- apply
    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        if self.probing:
            # said beside the probe's own line, where the eye is (the apply section is
            # below the fold at 80×24); the confirmation opens once the plan is made
            self.apply_when_planned = True
            self._probe_said("Still probing the host (read-only).")
            return
        if self.boot is None or self.plan is None or self.applying:
            self.say("status", "Probe the host first (F2): the plan is made from what it "
                     "finds." if not self.applying else "A run is in progress.", error=True)
            return
        plan = self.plan
        if plan.nothing_to_do:
            self.say("status", "Nothing to do: the host is already as planned.")
            return
        warnings = []
        if plan.options.role == "manager" and plan.will_join:
            warnings += view.quorum_lines(swarm_app(self).snapshot, plan.host)
        boot, loop = self.boot, asyncio.get_running_loop()

        def run() -> dict[str, ApplyResult]:  # in the runner's thread: wait for the loop
            return asyncio.run_coroutine_threadsafe(self._apply(boot), loop).result()

        op = ApplyPlans({boot.host: plan}, run, warnings)
        self.change(op, lambda sent: self._applied(op, sent))

    async def _apply(self, boot: HostBootstrap) -> dict[str, ApplyResult]:
        """The run itself, on the UI's loop (the SSH connection lives there): the host's
        output streams into the log as it comes."""
        out = self.query_one("#output", Log)
        out.clear()
        self.applying = True
        self.say("result", f"applying on {boot.host}…")
        at_line_start = [True]

        def on_event(e: ApplyEvent) -> None:
            if e.kind == "output":
                chunk = redact(e.text)
                if chunk:
                    out.write(chunk)
                    at_line_start[0] = chunk.endswith("\n")
                return
            line = view.event_line("", e)
            if line is not None:
                out.write(("" if at_line_start[0] else "\n") + line + "\n")
                at_line_start[0] = True

        try:
            return {boot.host: await boot.apply(on_event)}
        finally:
            self.applying = False

    def _applied(self, op: ApplyPlans, sent: Sent) -> None:
        out = sent.outcome
        result = op.applied.get("results", {}).get(op.target_labels[0])
        problem = f" ({out.journal_error})" if out.journal_error else ""
        if result is None:  # refused, or the run stopped (transport trouble mid-run)
            self.show_result("result", f"The run stopped: {out.message}. Probe again (F2) "
                             "to continue." + problem, error=True)
            return
        self.result = result
        self.show_result("result", _result_text(result, op.target_labels[0]) + problem,
                         error=not result.ok)
        self.refresh_cluster()
        if result.complete:
            self.probe_again()

    @work(exclusive=True, group="bootstrap-reprobe", exit_on_error=False)
    async def probe_again(self) -> None:
        """Look again (read-only) so the checklist and plan show where the host is now."""
        if self.boot is None:
            return
        try:
            facts = await self.boot.probe()
        except Exception as exc:  # noqa: BLE001
            self.say("status", f"Probing again failed: {exc}", error=True)
            return
        self.query_one("#checks", Static).update(view.checklist(facts.checks))
        self.replan()

    # ------------------------------------------------------------------- labels
    @on(Button.Pressed, "#labels-go")
    @on(Input.Submitted, "#labels")
    def add_labels(self) -> None:
        status = self.query_one("#labels-status", Static)
        node_id = self.result.node_id if self.result is not None else ""
        if not node_id:
            status.update("[$error]Labels are added once the host has joined.[/]")
            return
        labels = self.query_one("#labels", Input).value.split()
        if not labels:
            status.update("[$error]Type labels as key=value (several: space-separated).[/]")
            return
        status.update("adding labels…")
        self.run_labels(node_id, labels)

    @work(thread=True, exclusive=True, group="bootstrap-labels", exit_on_error=False)
    def run_labels(self, node_id: str, labels: list[str]) -> None:
        from swarmtui.swarm.ops.node_labels import AddNodeLabel

        lines = []
        snap = swarm_app(self).snapshot
        node = snap.nodes.get(node_id) if snap is not None else None
        if node is None:
            lines.append("the new node is not in the node list yet; try again")
        if node is not None:
            for raw in labels:
                op = AddNodeLabel([node], raw)
                outcome = self.run_op(op)
                lines.append(f"{op.cli}: {outcome.message}")
        text = "\n".join(markup_escape(redact(x)) for x in lines)
        self.app.call_from_thread(self._labels_said, text)
        self.app.call_from_thread(self.refresh_cluster)

    def _labels_said(self, text: str) -> None:
        self.query_one("#labels-status", Static).update(text)


def _result_text(result: ApplyResult, host: str) -> str:
    text = result.message
    if result.failed is not None and result.output:
        text += f"\nIts output:\n{result.output[-1500:]}"
    if result.node_ready:
        text += f"\n{host} is in the cluster: node {result.node_id[:12]} is Ready."
    elif result.node_ready is False:
        text += (f"\n{host} joined but the manager has not seen it Ready yet: check its "
                 "clock and that 7946/tcp+udp and 4789/udp are open both ways.")
    return text

