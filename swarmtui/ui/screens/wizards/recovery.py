"""The quorum recovery wizard (Q, the palette, or the "quorum lost" headline's advice).

1. Probe every manager over SSH (the node pool; the engine may be down): its state (down,
   dockerd not running, LOCKED, answering without a leader: swarm/reach/managers.py) and
   its raft directory's newest snapshot and WAL segment, and last write (backup.recover).
   Managers whose engine is stopped are started first (ctrl+t), and locked ones
   (autolock) unlocked (ctrl+l, the key typed masked): once a majority answers, the swarm
   heals with no new cluster, each manager with the raft state on its disk.
2. Pick the manager with the most recent raft state (the wizard says why), and force a
   new cluster on it (its engine started first if it is down).
3. Bring the others back one by one, as the leader's node list says they stand: promote
   a Ready worker of the new cluster, re-join any other (leave, then join as a manager).
After a restore (the Backup screen), it opens at step 3 with the restored host.
Each step is an Operation (backup/ops.py) through the one runner and ui/flow.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Select, Static

from swarmtui.backup.ops import ForceNewClusterOn, HostsOnly, PromoteManager, RejoinManager
from swarmtui.backup.recover import RecoveryAdvice
from swarmtui.backup.rejoin import Host, Standing, probe_pool, standings
from swarmtui.connect.nodes import NodePool
from swarmtui.swarm import format as fmt
from swarmtui.swarm.ops.runner import Sent
from swarmtui.swarm.reach.managers import first_steps, locked, state_word, stopped
from swarmtui.swarm.reach.ops import StartEngine, UnlockManager
from swarmtui.swarm.reach.probe import Diagnosis, probe_many
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.ui.context import swarm_app
from swarmtui.ui.flow import OpForm, confirm_and_send
from swarmtui.ui.screens.wizards.common import WizardScreen, labelled, markup_escape

NO_POOL = ("no SSH reach to the nodes: recovery reads each manager's raft files and "
           "restarts engines over SSH; connect to the swarm over SSH")


class RecoveryScreen(WizardScreen):
    DEFAULT_CSS = WizardScreen.DEFAULT_CSS + """
    RecoveryScreen .rc-step { height: auto; }
    RecoveryScreen #rc-why { margin: 1 0 0 0; }
    /* one row, not three: the step to act on fits at 80×24 */
    RecoveryScreen #rc-hosts, RecoveryScreen #rc-addr {
        border: none; height: 1; padding: 0 1; background: $boost; }
    RecoveryScreen #rc-hosts:focus, RecoveryScreen #rc-addr:focus {
        background: $primary 25%; }
    RecoveryScreen .field-label { padding: 0 1 0 0; }
    RecoveryScreen #rc-hosts-row { margin: 1 0 0 0; }
    """
    TITLE_TEXT = "Recover a lost quorum"
    HELP_TEXT = ("Probe the managers over SSH, unlock the locked ones, or force a new "
                 "cluster on the one with the most recent raft state, then bring back the "
                 "others.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "probe", "Probe", id="recover.probe"),
        Binding("ctrl+t", "start", "Start next engine…", id="recover.start"),
        Binding("ctrl+l", "unlock", "Unlock next…", id="recover.unlock"),
        Binding("ctrl+s", "force", "Force new cluster…", id="recover.force"),
        Binding("ctrl+j", "rejoin", "Re-join next…", id="recover.rejoin"),
    ]

    def __init__(self, leader: Host | None = None, leader_addr: str = "") -> None:
        super().__init__()
        self.advice: RecoveryAdvice | None = None
        self.leader = leader
        self.leader_addr = leader_addr
        self.rejoined: dict[str, str] = {}  # hostname → "re-joined" / "failed"
        self.states: dict[str, Diagnosis] = {}  # hostname → its state, probed over SSH
        self.standing: dict[str, Standing] = {}  # hostname → where it stands (step 3)
        self._lost = False  # a snapshot said the quorum was lost
        self._step_shown = 0  # the step last scrolled into view

    def compose_body(self) -> ComposeResult:
        yield Static("", id="rc-headline", classes="warn")
        # the managers: every step works on this list, so it stays in view (one row)
        yield Horizontal(Static("Managers", classes="field-label"), Input(
            placeholder="hostnames or ssh aliases, comma-separated", id="rc-hosts"),
            id="rc-hosts-row")
        yield Static("1. Probe every manager", id="rc-s1", classes="section")
        with Vertical(id="rc-b1", classes="rc-step"):
            yield Button("Probe (F2)", id="rc-probe")
            yield Static("", id="rc-states")
            yield Static("", id="rc-advice")
            yield Button("Start next engine… [ctrl+t]", id="rc-start", disabled=True)
            yield Button("Unlock next… [ctrl+l]", id="rc-unlock", disabled=True)
        yield Static("2. Force a new cluster", id="rc-s2", classes="section")
        with Vertical(id="rc-b2", classes="rc-step"):
            yield Static("", id="rc-why")
            yield labelled("On", Select[str]([], id="rc-pick", prompt="probe first"))
            yield labelled("Advertise address",
                           Input(placeholder="default: its swarm address", id="rc-addr"))
            yield Static("", id="rc-cli", classes="cli")
            yield Button("Force a new cluster… [ctrl+s]", id="rc-force", variant="error")
        yield Static("3. Bring back the other managers", id="rc-s3", classes="section")
        with Vertical(id="rc-b3", classes="rc-step"):
            yield Static("", id="rc-others")
            yield Button("Re-join next… [ctrl+j]", id="rc-rejoin", disabled=True)
        yield Static("", id="status", classes="status")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A step's key is offered while it has something to act on (the footer listed
        ^t and ^l with no engine stopped and no manager locked)."""
        if action == "start":
            return bool(stopped(self.states))
        if action == "unlock":
            return bool(locked(self.states))
        if action == "rejoin":
            return self.leader is not None
        if action == "force":  # a second new cluster would drop the first one's joins
            return self.leader is None
        return super().check_action(action, parameters)

    # ------------------------------------------------------------- steps
    @property
    def step(self) -> int:
        """The step to act on: 3 once a leader stands, 2 once the probe found nothing to
        start or unlock and a raft state to force a cluster on, else 1."""
        if self.leader is not None:
            return 3
        if (self.advice is not None and self.advice.best is not None
                and not stopped(self.states) and not locked(self.states)):
            return 2
        return 1

    def _show_steps(self) -> None:
        """The step to act on is shown whole, the others one line each (at 80×24 steps 2
        and 3 were below the fold, or step 1's own button was); the key of a folded step
        still works. A new step to act on is scrolled to the top of the view."""
        step = self.step
        best = self.advice.best.host if self.advice and self.advice.best else ""
        lines = {
            1: "1. Probe every manager" + (
                f" ✔ {fmt.count(len(self.advice.ranked), 'manager')} probed (F2 probes "
                "again)" if step > 1 and self.advice is not None else ""),
            2: "2. Force a new cluster" + (
                f" ✔ {self.leader.hostname} leads the new cluster" if step > 2 and self.leader
                else f" — if step 1 brings no majority back: ctrl+s on {best}" if
                step < 2 and best else " — on a manager whose raft state is read (step 1)"
                if step < 2 else ""),
            3: "3. Bring back the other managers" + (" — after step 2" if step < 3 else ""),
        }
        for n, line in lines.items():
            self.query_one(f"#rc-s{n}", Static).update(markup_escape(line))
            self.query_one(f"#rc-b{n}", Vertical).display = n == step
        # a button that cannot act takes no room; Probe once probed (F2 in the footer)
        for button_id in ("#rc-start", "#rc-unlock"):
            button = self.query_one(button_id, Button)
            button.display = not button.disabled
        self.query_one("#rc-probe", Button).display = self.advice is None
        self.refresh_bindings()
        if step != self._step_shown:
            self._step_shown = step
            header = self.query_one(f"#rc-s{step}", Static)
            for scroll in self.query(VerticalScroll):
                self.call_after_refresh(scroll.scroll_to_widget, header, animate=False,
                                        top=True)

    def on_mount(self) -> None:
        self._show_headline(swarm_app(self).snapshot)
        self.query_one("#rc-hosts", Input).value = ", ".join(h.hostname for h in
                                                             self._known())
        if self.pool is None:
            self.say("status", NO_POOL, error=True)
        elif self.leader is not None:
            self._show_others()
        else:
            self.action_probe()
        self._show_steps()

    def show_snapshot(self, snapshot: ClusterSnapshot, kinds: frozenset[str]) -> None:
        if self.query("#rc-headline"):  # composed (a snapshot can arrive just before)
            self._show_headline(snapshot)

    def _show_headline(self, snap: ClusterSnapshot | None) -> None:
        message = snap.message if snap is not None and snap.message else ""
        if message:
            self._lost = True
            said = message.split("\n", 1)[0]
        elif self._lost and snap is not None and snap.leader is not None:
            said = (f"✔ the quorum is back: {fmt.count(len(snap.managers), 'manager')}, "
                    f"leader {snap.leader.hostname} — no new cluster is needed")
        else:
            said = ("The managers answer (no quorum loss seen): recover only a swarm whose "
                    "managers have no majority.")
        self.query_one("#rc-headline", Static).update(markup_escape(said))

    # ------------------------------------------------------------- facts
    @property
    def pool(self) -> NodePool | None:
        store = swarm_app(self).store
        reach = store.reach if store is not None else None
        return reach.pool if reach is not None else None

    def _known(self) -> list[Host]:
        store, snap = swarm_app(self).store, swarm_app(self).snapshot
        if store is None or snap is None:
            return []
        known = store.known_managers
        if store.reach is not None:  # else (no SSH reach) only the names listed before
            known = store.reach.managers_of(known, snap)
        return [Host(h, a) for h, a in known]

    def _hosts(self) -> list[Host]:
        known = {h.hostname: h for h in self._known()}
        names = [n.strip() for n in self.query_one("#rc-hosts", Input).value.split(",")]
        return [known.get(n, Host(n)) for n in names if n]

    def _picked(self) -> Host | None:
        value = self.query_one("#rc-pick", Select).value
        if not isinstance(value, str):
            return None
        return next((h for h in self._hosts() if h.hostname == value), Host(value))

    def _others(self) -> list[Host]:
        leader = self.leader.hostname if self.leader else ""
        return [h for h in self._hosts() if h.hostname != leader]

    # ------------------------------------------------------------- probe
    @on(Button.Pressed, "#rc-probe")
    def action_probe(self) -> None:
        pool, hosts = self.pool, self._hosts()
        if pool is None or not hosts:
            self.say("status", NO_POOL if pool is None else "name the managers to probe",
                     error=True)
            return
        self.say("status", f"probing {', '.join(h.hostname for h in hosts)} over SSH…")
        self.probe(pool, hosts)

    @work(exclusive=True, group="rc-probe", exit_on_error=False)
    async def probe(self, pool: NodePool, hosts: list[Host], quiet: bool = False) -> None:
        """Probe `hosts`; `quiet`: keep the status line (an unlock's result)."""
        async def both() -> tuple[RecoveryAdvice, list[Diagnosis]]:
            return await asyncio.gather(probe_pool(pool, hosts), probe_many(
                pool, [(h.hostname, h.address, "", "") for h in hosts]))

        try:
            advice, found = await asyncio.to_thread(pool.call, both(), 120)
        except Exception as exc:  # noqa: BLE001  (the pool's loop, a timeout)
            self.say("status", f"the probe failed: {exc}", error=True)
            return
        self.advice = advice
        self.states = {d.hostname: d for d in found}
        self.query_one("#rc-states", Static).update(markup_escape("\n".join(
            f"{s.host}: {state_word(self.states[s.host]) if s.host in self.states else '?'}"
            f" · {s.summary.split(': ', 1)[-1]}" for s in advice.ranked)))
        names, down = locked(self.states), stopped(self.states)
        text = advice.text
        if names or down:
            said = [f"{', '.join(d)} {'is' if len(d) == 1 else 'are'} {what}" for d, what in (
                (down, "stopped (dockerd not running, "
                       f"{'its' if len(down) == 1 else 'their'} raft state on disk)"),
                (names, "LOCKED (autolock)")) if d]
            steps = first_steps(self.states, "ctrl+t", "ctrl+l")
            text = f"{'; '.join(said)}. First, {steps[:1].lower()}{steps[1:]} Else: {text}"
        self.query_one("#rc-advice", Static).update(markup_escape(text))
        self._show_next()
        pick = self.query_one("#rc-pick", Select)
        pick.set_options([(s.host + (" (most recent)" if s is advice.best else ""), s.host)
                          for s in advice.ranked if s.readable])
        if advice.best is not None:
            pick.value = advice.best.host
        self.query_one("#rc-why", Static).update(markup_escape(advice.text))
        self._show_steps()
        if quiet:
            self._preview()
            return
        self.say("status", f"probed: start the engine of {down[0]} first (ctrl+t)" if down
                 else f"probed: unlock {names[0]} first (ctrl+l)" if names else
                 "probed: check the choice, then force a new cluster (ctrl+s)"
                 if advice.best else "no manager's raft state could be read",
                 error=advice.best is None and not names and not down)
        self._preview()

    # ------------------------------------------------------------- start
    def _next_of(self, names: list[str]) -> Host | None:
        """The first of the managers named (in the wizard's order)."""
        return next((h for h in self._hosts() if h.hostname in names), None)

    def _show_next(self) -> None:
        """The start and unlock buttons, each on the next manager it applies to."""
        for button_id, nxt, verb, fallback, key in (
                ("#rc-start", self._next_of(stopped(self.states)), "Start {}'s engine…",
                 "Start next engine…", "ctrl+t"),
                ("#rc-unlock", self._next_of(locked(self.states)), "Unlock {}…",
                 "Unlock next…", "ctrl+l")):
            button = self.query_one(button_id, Button)
            button.disabled = nxt is None
            button.label = f"{verb.format(nxt.hostname) if nxt else fallback} [{key}]"

    @on(Button.Pressed, "#rc-start")
    def action_start(self) -> None:
        pool, host = self.pool, self._next_of(stopped(self.states))
        if pool is None or host is None:
            self.say("status", "no manager's engine is stopped (probe first: F2)", error=True)
            return
        op = StartEngine.from_diagnosis(pool, self.states[host.hostname], host.address, "")

        def sent(done: Sent) -> None:
            self._reprobe(pool, host, done)

        self.change(op, sent, source=HostsOnly())

    def _reprobe(self, pool: NodePool, host: Host, done: Sent) -> None:
        """After a start or an unlock on `host`: its result, and probe again (the next one,
        and whether the quorum is back)."""
        ok = done.outcome.ok
        self.show_result("status", done.outcome.message if ok else
                         f"{done.outcome.status}: {done.outcome.message}", error=not ok)
        store = swarm_app(self).store
        if store is not None and store.reach is not None:
            store.reach.probe_managers_again()
        if ok:
            self.states.pop(host.hostname, None)
            self._show_next()
            self._show_steps()
            self.probe(pool, self._hosts(), quiet=True)

    # ------------------------------------------------------------ unlock
    @on(Button.Pressed, "#rc-unlock")
    def action_unlock(self) -> None:
        pool, host = self.pool, self._next_of(locked(self.states))
        if pool is None or host is None:
            self.say("status", "no manager is locked (probe first: F2)", error=True)
            return
        app = swarm_app(self)
        held = app.unlock_key  # the key this session saw (the tokens screen), if any

        def build(key: str, _force: bool) -> UnlockManager:
            return UnlockManager(pool, host.hostname, host.address, "", key)

        def sent(done: Sent) -> None:
            self._reprobe(pool, host, done)

        self.app.push_screen(confirm_and_send(app, OpForm(
            build=build, secret=True, initial=held.reveal() if held else "",
            placeholder="e.g. SWMKEY-1-…",
            prompt=f"The swarm's unlock key for {host.hostname} (" + (
                "the one this session holds, masked" if held else
                "from your password manager: no manager answers to show it") + "):"),
            source=HostsOnly(), on_sent=sent, close_when_done=True))

    @on(Select.Changed, "#rc-pick")
    @on(Input.Changed, "#rc-addr")
    def _preview(self) -> None:
        op = self._force_op()
        self.query_one("#rc-cli", Static).update(markup_escape(op.cli if op else "—"))

    def _force_op(self) -> ForceNewClusterOn | None:
        pool, host = self.pool, self._picked()
        if pool is None or host is None:
            return None
        addr = self.query_one("#rc-addr", Input).value.strip()
        return ForceNewClusterOn(pool, host, self.advice, addr)

    # ------------------------------------------------------------ changes
    def _go(self, op: ForceNewClusterOn | RejoinManager | PromoteManager | None,
            missing: str) -> None:
        if op is None:
            self.say("status", missing, error=True)
            return
        self.change(op, lambda sent: self._done(op, sent), source=HostsOnly())

    @on(Button.Pressed, "#rc-force")
    def action_force(self) -> None:
        self._go(self._force_op(), NO_POOL if self.pool is None else
                 "probe the managers and pick one first (F2)")

    def _done(self, op: ForceNewClusterOn | RejoinManager | PromoteManager,
              sent: Sent) -> None:
        out = sent.outcome
        steps = "\n".join(op.lines)
        self.show_result("status", (out.message if out.ok else f"{out.status}: "
                                    f"{out.message}") + (f"\n{steps}" if steps else ""),
                         error=not out.ok)
        if isinstance(op, ForceNewClusterOn) and out.ok:
            self.leader, self.leader_addr = op.host, op.leader_addr
        elif not isinstance(op, ForceNewClusterOn) and out.status != "refused":
            self.rejoined[op.host.hostname] = ("re-joined" if isinstance(op, RejoinManager)
                                               else "promoted") if out.ok else "failed"
        self._show_others()
        self.refresh_cluster()

    def _show_others(self) -> None:
        if self.leader is None:
            return
        self._render_others()
        pool = self.pool
        if pool is not None:
            self.plan(pool, self.leader, self._others())

    @on(Input.Changed, "#rc-hosts")
    def _hosts_changed(self) -> None:
        self._show_others()

    @work(exclusive=True, group="rc-plan", exit_on_error=False)
    async def plan(self, pool: NodePool, leader: Host, others: list[Host]) -> None:
        """Where each old manager stands, read on the leader (promote or re-join)."""
        try:
            found = await asyncio.to_thread(pool.call, standings(pool, leader, others), 60)
        except Exception:  # noqa: BLE001  (unread: each one is re-joined, as before)
            return
        self.standing = {s.host.hostname: s for s in found}
        self._render_others()

    def _render_others(self) -> None:
        if self.leader is None:
            return
        self._show_steps()
        lines = [f"leader: {self.leader.hostname}"] + [
            f"{h.hostname}: {self.rejoined.get(h.hostname) or self._standing(h).words}"
            for h in self._others()]
        self.query_one("#rc-others", Static).update(markup_escape("\n".join(lines)))
        nxt = self._next()
        button = self.query_one("#rc-rejoin", Button)
        button.disabled = nxt is None
        verb = "Promote" if nxt is not None and nxt.action == "promote" else "Re-join"
        button.label = f"{verb} {nxt.host.hostname}… [ctrl+j]" if nxt else \
            "Re-join next… [ctrl+j]"

    def _standing(self, host: Host) -> Standing:
        return self.standing.get(host.hostname, Standing(host, "rejoin"))

    def _next(self) -> Standing | None:
        """The next old manager to bring back (one that is no manager yet)."""
        return next((self._standing(h) for h in self._others()
                     if self.rejoined.get(h.hostname) not in ("re-joined", "promoted")
                     and self._standing(h).action != "manager"), None)

    @on(Button.Pressed, "#rc-rejoin")
    def action_rejoin(self) -> None:
        pool, nxt = self.pool, self._next()
        if self.leader is None or nxt is None or pool is None:
            self.say("status", "force a new cluster first (or every manager is back)",
                     error=True)
            return
        if nxt.action == "promote":
            self._go(PromoteManager(pool, self.leader, nxt.host, nxt.node_id), "")
        else:
            self._go(RejoinManager(pool, self.leader, self.leader_addr, nxt.host), "")
