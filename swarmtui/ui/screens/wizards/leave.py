"""Leave the swarm, and recover a lost quorum with force-new-cluster on a chosen manager.
Both spell the consequences out and want the node's name typed before anything is sent."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Input, Static

from swarmtui.swarm.ops.runner import FixedEngine
from swarmtui.swarm.ops.swarm import ForceNewCluster, LeaveSwarm
from swarmtui.swarm.swarmleave import node_facts
from swarmtui.ui.context import swarm_app
from swarmtui.ui.screens.wizards.common import WizardScreen, act, labelled, markup_escape


class LeaveScreen(WizardScreen):
    TITLE_TEXT = "Leave the swarm"
    HELP_TEXT = "The engine you are connected to leaves the swarm (`docker swarm leave`)."
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "leave", "Leave…", id="leave.run"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.facts: dict[str, Any] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="node")
        yield Static("", id="consequences", classes="warn")
        yield from act("Leave… \\[ctrl+s]", "leave-go", "error", cli=True)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="leave-load", exit_on_error=False)
    def load(self) -> None:
        try:
            facts = self.cluster_store().engine_facts()
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.say, "status", f"Reading the engine failed: {exc}",
                                      error=True)
            return
        self.app.call_from_thread(self._show, facts)

    def _reachable(self, facts: dict[str, Any]) -> tuple[int, int]:
        snap = swarm_app(self).snapshot
        managers = list(getattr(snap, "managers", []) or [])
        if managers:
            return len(managers), sum(1 for m in managers if m.is_reachable_manager)
        return facts["managers"], facts["managers"]

    def _show(self, facts: dict[str, Any]) -> None:
        from swarmtui.swarm.swarmleave import leave_cli, leave_consequences

        self.facts = facts
        role = "manager" if facts["manager"] else "worker"
        self.query_one("#node", Static).update(markup_escape(
            f"{facts['name']}: swarm state {facts['state'] or 'unknown'}, a {role}"))
        if facts["state"] in ("", "inactive"):
            self.say("status", "This engine is not in a swarm: nothing to leave.")
            return
        managers, reachable = self._reachable(facts)
        self.query_one("#consequences", Static).update(markup_escape(
            leave_consequences(facts["manager"], managers, reachable)))
        self.query_one("#cli", Static).update(markup_escape(leave_cli(facts["manager"])))

    @on(Button.Pressed, "#leave-go")
    def action_leave(self) -> None:
        from swarmtui.swarm.swarmleave import leave_consequences

        facts = self.facts
        if facts is None or facts["state"] in ("", "inactive"):
            self.say("status", "Nothing to leave (not loaded, or not in a swarm).", error=True)
            return
        force = facts["manager"]
        managers, reachable = self._reachable(facts)
        self.change(LeaveSwarm(facts["name"], force,
                               leave_consequences(force, managers, reachable)), self.said)



class ForceNewClusterScreen(WizardScreen):
    TITLE_TEXT = "Recover a lost quorum: force-new-cluster"
    HELP_TEXT = ("Pick a surviving manager (ssh alias or user@host; empty: the engine you "
                 "are connected to), check it, then force a new cluster on it.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "check", "Check node", id="fnc.check"),
        Binding("ctrl+s", "force", "Force new cluster…", id="fnc.run"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.engine: Any = None  # an EngineConnection we opened (closed on unmount)
        self.facts: dict[str, Any] | None = None

    def compose_body(self) -> ComposeResult:
        from swarmtui.swarm.swarmleave import FORCE_NEW_CLUSTER_CONSEQUENCES

        yield labelled("Manager",
                       Input(placeholder="e.g. node2 (empty: this engine)", id="fnc-node"))
        yield labelled("Advertise address",
                       Input(placeholder="optional, e.g. 10.0.0.2", id="fnc-advertise"))
        yield Button("Check node \\[F2]", id="fnc-check")
        yield Static("", id="node")
        yield Static(markup_escape(FORCE_NEW_CLUSTER_CONSEQUENCES), classes="warn")
        yield from act("Force new cluster… \\[ctrl+s]", "fnc-go", "error", cli=True)

    def on_mount(self) -> None:
        self._preview()

    @on(Input.Changed)
    def _preview(self) -> None:
        from swarmtui.swarm.swarmleave import force_new_cluster_cli

        adv = self.query_one("#fnc-advertise", Input).value.strip() or None
        self.query_one("#cli", Static).update(markup_escape(force_new_cluster_cli(adv)))

    async def on_unmount(self) -> None:
        await self._close_engine()

    async def _close_engine(self) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            await engine.close()

    @on(Button.Pressed, "#fnc-check")
    def action_check(self) -> None:
        self.facts = None
        self.say("status", "checking…")
        self.check(self.query_one("#fnc-node", Input).value.strip())

    @work(exclusive=True, group="fnc-check", exit_on_error=False)
    async def check(self, node: str) -> None:
        from swarmtui.ui.screens.wizards.sshhost import describe, open_engine_at

        await self._close_engine()
        try:
            if node:
                self.engine = await open_engine_at(node, trust=self.ask_trust_callback(),
                                                   ssh_config_extra=self.ssh_config_extra())
                facts = await asyncio.to_thread(node_facts, self.engine.api)
                facts["source"] = FixedEngine(self.engine.api)
            else:  # the engine the app is connected to
                facts = await asyncio.to_thread(self.cluster_store().engine_facts)
                facts["source"] = None
        except Exception as exc:  # noqa: BLE001
            self.say("status", describe(exc), error=True)
            return
        self.facts = facts
        self.query_one("#node", Static).update(markup_escape(
            f"{facts['name']}: swarm state {facts['state'] or 'unknown'}"
            f"{', was a manager' if facts['manager'] or facts['state'] == 'active' else ''}"))
        if facts["state"] in ("", "inactive"):
            self.say("status", "That engine is not in a swarm: force-new-cluster needs a node "
                     "that was a manager of the lost swarm.", error=True)
        else:
            self.say("status", f"Ready: type {facts['name']} in the confirmation to go on.")

    @on(Button.Pressed, "#fnc-go")
    def action_force(self) -> None:
        facts = self.facts
        if facts is None:
            self.say("status", "Check the node first (F2).", error=True)
            return
        if facts["state"] in ("", "inactive"):
            self.say("status", "That engine is not in a swarm.", error=True)
            return
        adv = self.query_one("#fnc-advertise", Input).value.strip() or None
        self.change(ForceNewCluster(facts["name"], adv), self.said,
                    source=facts["source"])

