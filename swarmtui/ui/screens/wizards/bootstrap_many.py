"""Bootstrap several hosts at once: the same role for all, each reached over checked SSH
(trust prompts one host at a time), probed concurrently, then applied together with
`swarmtui.bootstrap.apply_many` (manager joins one at a time). One host's failure does
not stop the others; every host's result is shown with what to do."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, Log, Select, Static

from swarmtui.bootstrap.operation import ApplyPlans
from swarmtui.bootstrap.plan import PlanOptions
from swarmtui.bootstrap.remote import SudoPassword
from swarmtui.bootstrap.runner import ApplyEvent, ApplyResult, HostBootstrap, apply_many
from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.ops.runner import Sent
from swarmtui.ui.screens.wizards import bootstrap_view as view
from swarmtui.ui.screens.wizards.common import act, labelled, markup_escape


def split_hosts(text: str) -> list[str]:
    """`node3 node4, admin@10.0.0.5` → the host names, in order, without repeats."""
    out: list[str] = []
    for part in text.replace(",", " ").split():
        if part not in out:
            out.append(part)
    return out


class BootstrapManyScreen(view.HostsWizard):
    TITLE_TEXT = "Bootstrap several hosts"
    HELP_TEXT = ("Hosts separated by spaces or commas (ssh aliases or user@host[:port]); "
                 "all join with the same role. For a new hostname, use the single-host "
                 "wizard.")
    DEFAULT_CSS = view.HostsWizard.DEFAULT_CSS + """
    BootstrapManyScreen Log { height: 16; border: round $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "probe", "Connect & probe all", id="bootstrap_many.probe"),
        Binding("f5", "apply", "Apply all", id="bootstrap_many.apply"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.conns: dict[str, Any] = {}  # host → HostConnection (closed on unmount)
        self.boots: dict[str, HostBootstrap] = {}
        self.results: dict[str, ApplyResult] = {}
        self.problems: dict[str, str] = {}  # host → why it could not be reached/probed
        self.applying = False

    def compose_body(self) -> ComposeResult:
        yield labelled("Hosts", Input(placeholder="e.g. node3 node4 admin@10.0.0.5",
                                      id="hosts"))
        yield self.sudo_field()
        yield labelled("Join as", self.role_select())
        yield from act("Connect & probe all \\[F2]", "probe")
        yield Static("Hosts and plans", classes="section")
        yield Static("(not probed yet)", id="summary")
        yield Button("Apply all \\[F5]", id="apply", variant="warning")
        yield Log(id="output", auto_scroll=True)
        yield Static("", id="result", classes="status")

    async def on_unmount(self) -> None:
        await self._close_all()

    async def _close_all(self) -> None:
        conns, self.conns = self.conns, {}
        for c in conns.values():
            await c.close()

    @on(Button.Pressed, "#probe")
    @on(Input.Submitted, "#hosts")
    def action_probe(self) -> None:
        hosts = split_hosts(self.query_one("#hosts", Input).value)
        if self.applying:
            self.say("status", "A run is in progress.", error=True)
            return
        if not hosts:
            self.say("status", "Type the hosts to bootstrap, separated by spaces.", error=True)
            return
        self.say("status", f"connecting to {fmt.count(len(hosts), 'host')}…")
        self.probe_all(hosts, self.sudo_password())

    @work(exclusive=True, group="bootstrap-many-probe", exit_on_error=False)
    async def probe_all(self, hosts: list[str], sudo_password: SudoPassword) -> None:
        from swarmtui.bootstrap.remote import SshRunner
        from swarmtui.ui.screens.wizards.sshhost import describe, open_host

        await self._close_all()
        self.boots, self.results = {}, {}
        problems: dict[str, str] = {}
        try:
            store = self.cluster_store()
        except Exception as exc:  # noqa: BLE001
            self.say("status", describe(exc), error=True)
            return
        for host in hosts:  # one at a time: each may ask about its host key
            try:
                conn = await open_host(host, trust=self.ask_trust_callback(),
                                       ssh_config_extra=self.ssh_config_extra())
            except Exception as exc:  # noqa: BLE001
                problems[host] = describe(exc)
                continue
            self.conns[host] = conn
            self.boots[host] = HostBootstrap(
                SshRunner(conn.conn, sudo_password=sudo_password), store, host=host,
                options=PlanOptions(role=self.role()))
        self.say("status", f"probing {fmt.count(len(self.boots), 'host')} (read-only)…")
        outcomes = await asyncio.gather(*(b.probe() for b in self.boots.values()),
                                        return_exceptions=True)
        for host, outcome in zip(list(self.boots), outcomes, strict=True):
            if isinstance(outcome, BaseException):
                problems[host] = f"probing failed: {outcome}"
                del self.boots[host]
        self.problems = problems
        self.replan()
        self.say("status", f"{fmt.count(len(self.boots), 'host')} probed"
                 + (f", {len(problems)} could not be" if problems else "") + ".",
                 error=bool(problems))

    @on(Select.Changed, "#role")
    def replan(self) -> None:
        parts = []
        for host, boot in self.boots.items():
            if boot.facts is None:
                continue
            plan = boot.plan(PlanOptions(role=self.role()))
            fails = [c for c in boot.facts.checks if c.status == "fail"]
            head = f"[b]{markup_escape(host)}[/b]: {len(boot.facts.checks)} facts, " \
                   f"{len(fails)} failing"
            lines = [head] + ["  " + view.checklist([c]) for c in fails]
            lines += ["  " + ln for ln in view.plan_text(plan).splitlines() if ln.strip()]
            parts.append("\n".join(lines))
        for host, why in self.problems.items():
            parts.append(f"[b]{markup_escape(host)}[/b]: [$error]{markup_escape(why)}[/]")
        self.query_one("#summary", Static).update("\n\n".join(parts) or "(nothing probed)")

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        todo = {h: b for h, b in self.boots.items()
                if b.current_plan is not None and not b.current_plan.nothing_to_do}
        if self.applying or not todo:
            self.say("result", "A run is in progress." if self.applying else
                     "Nothing to apply: probe the hosts first (F2), or all are done.",
                     error=True)
            return
        plans = {h: b.current_plan for h, b in todo.items() if b.current_plan is not None}
        warnings = []
        if self.role() == "manager":
            warnings.append(f"{fmt.count(len(todo), 'new manager')}: they join one at a time")
        boots, loop = list(todo.values()), asyncio.get_running_loop()

        def run() -> dict[str, ApplyResult]:  # in the runner's thread: wait for the loop
            return asyncio.run_coroutine_threadsafe(self._apply(boots), loop).result()

        op = ApplyPlans(plans, run, warnings)
        self.change(op, lambda sent: self._applied(op, sent))

    async def _apply(self, boots: list[HostBootstrap]) -> dict[str, ApplyResult]:
        """The runs, on the UI's loop (the SSH connections live there)."""
        out = self.query_one("#output", Log)
        out.clear()
        self.applying = True
        self.say("result", f"applying on {fmt.count(len(boots), 'host')}…")

        def on_event(host: str, e: ApplyEvent) -> None:
            if e.kind == "output":
                for ln in redact(e.text).splitlines():
                    if ln.strip():
                        out.write_line(f"[{host}]   {ln}")
                return
            line = view.event_line(host, e)
            if line is not None:
                out.write_line(line)

        try:
            return await apply_many(boots, on_event)
        finally:
            self.applying = False

    def _applied(self, op: ApplyPlans, sent: Sent) -> None:
        out = sent.outcome
        results: dict[str, ApplyResult] = op.applied.get("results", {})
        if not results:  # refused, or the run stopped
            self.show_result("result", f"The run stopped: {out.message}", error=True)
            return
        self.results = results
        lines = []
        for host, res in results.items():
            ready = f" — node {res.node_id[:12]} Ready" if res.node_ready else ""
            lines.append(f"{host}: {res.message}{ready}")
            if res.failed is not None and res.output:
                lines.append(f"  its output: {res.output[-600:]}")
        if out.journal_error:
            lines.append(out.journal_error)
        self.show_result("result", "\n".join(lines),
                         error=not all(r.ok for r in results.values()))
        self.refresh_cluster()
