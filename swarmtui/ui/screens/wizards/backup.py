"""Backup & restore of the swarm's raft state, among the wizards (K, or the palette).

Create: pick a manager; the quorum guard (backup.quorum) says which managers are safe
to stop and refuses an unsafe one unless forced (then the name is typed). List: the
archives on this machine with their manifests. Restore: the highlighted archive on a
host (typed name; an autolocked one needs its unlock key), then the recovery wizard
re-joins the other managers. The cron line takes the same backup every night.
Each change is an Operation (backup/ops.py) through the one runner and ui/flow,
run on the host over the store's node pool; read-only refuses the screen (the registry)
and every change (the runner).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static

from swarmtui.backup.manifest import Backup, default_dir, list_backups
from swarmtui.backup.ops import BackupCreate, BackupRestore, HostsOnly, unrestorable, verdict_for
from swarmtui.backup.rejoin import Host
from swarmtui.connect.nodes import NodePool
from swarmtui.swarm.ops.base import Operation
from swarmtui.swarm.ops.runner import Sent
from swarmtui.ui.context import swarm_app
from swarmtui.ui.screens.wizards.common import WizardScreen, labelled, markup_escape

NO_POOL = ("no SSH reach to the nodes: a backup stops a manager's engine and copies its "
           "files over SSH; connect to the swarm over SSH (ssh://… or an ssh_config alias)")


class BackupScreen(WizardScreen):
    TITLE_TEXT = "Backup & restore (the swarm's raft state)"
    HELP_TEXT = ("Docker's procedure over SSH: stop a manager's engine, copy "
                 "/var/lib/docker/swarm here, start it again. Restore forces a new "
                 "cluster from an archive.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", "Back up…", id="backup.create"),
        Binding("ctrl+o", "restore", "Restore…", id="backup.restore"),
        Binding("f5", "reload", "Reload list", id="backup.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.backups: list[Backup] = []
        self.restored: Host | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("Back up a manager", classes="section")
        yield labelled("Manager", Select[str]([], id="bk-manager", prompt="no manager listed"))
        yield labelled("Into", Input(str(default_dir()), id="bk-output"))
        with Horizontal():
            yield Checkbox("force (typed name)", id="bk-force")
            yield Checkbox("store the unlock key", id="bk-store-key")
        yield Static("", id="bk-verdict")
        yield Static("", id="bk-cli", classes="cli")
        yield Button("Back up… [ctrl+s]", id="bk-go", variant="warning")
        yield Static("Every night (crontab -e):", classes="whelp")
        yield Static("", id="bk-cron", classes="cli")
        yield Static("Backups on this machine", classes="section")
        yield DataTable(id="bk-list", cursor_type="row", zebra_stripes=True)
        yield Static("", id="bk-problems", classes="warn")
        yield Static("Restore the highlighted backup", classes="section")
        yield labelled("On host", Input(placeholder="node hostname or ssh alias", id="rs-host"))
        yield labelled("Unlock key", Input(
            placeholder="only for an autolocked backup (SWMKEY-1-…)", password=True, id="rs-key"))
        yield Checkbox("force (over a host in a working swarm)", id="rs-force")
        yield Static("", id="rs-cli", classes="cli")
        with Horizontal():
            yield Button("Restore… [ctrl+o]", id="rs-go", variant="error")
            yield Button("Re-join the others…", id="rs-rejoin", disabled=True)
        yield Static("", id="status", classes="status")

    def on_mount(self) -> None:
        table = self.query_one("#bk-list", DataTable)
        table.add_columns("HOST", "MGRS", "AUTOLOCK", "SIZE", "NAME (its UTC time)")
        table.styles.height = 6
        self._managers()
        self.action_reload()
        if self.pool is None:
            self.say("status", NO_POOL, error=True)

    # ------------------------------------------------------------- facts
    @property
    def pool(self) -> NodePool | None:
        store = swarm_app(self).store
        reach = store.reach if store is not None else None
        return reach.pool if reach is not None else None

    def _host(self, name: str) -> Host:
        snap = swarm_app(self).snapshot
        for n in (snap.nodes.values() if snap is not None else ()):
            if n.hostname == name:
                return Host(name, n.address)
        store = swarm_app(self).store
        known = dict(store.known_managers) if store is not None else {}
        return Host(name, known.get(name, ""))

    def _managers(self) -> None:
        snap = swarm_app(self).snapshot
        managers = sorted(snap.managers, key=lambda n: n.hostname) if snap is not None else []
        options: list[tuple[str, str]] = []
        ranked: list[tuple[int, bool, str]] = []  # the default: a safe follower, up
        for n in managers:
            verdict = verdict_for(snap, n.hostname) if snap is not None else None
            ok = verdict is not None and verdict.allowed
            up = n.is_reachable_manager
            mark = "unreachable" if not up else "safe to stop" if ok else \
                "would lose the quorum"
            ranked.append((0 if ok and up else 1 if up else 2, n.is_leader, n.hostname))
            options.append((f"{n.hostname} ({'leader, ' if n.is_leader else ''}{mark})",
                            n.hostname))
        select = self.query_one("#bk-manager", Select)
        select.set_options(options)
        if ranked:
            select.value = min(ranked)[2]
        self._preview()

    def _chosen(self) -> str:
        value = self.query_one("#bk-manager", Select).value
        return value if isinstance(value, str) else ""

    def _output(self) -> Path:
        text = self.query_one("#bk-output", Input).value.strip()
        return Path(text).expanduser() if text else default_dir()

    def _create_op(self) -> BackupCreate | None:
        pool, name = self.pool, self._chosen()
        if pool is None or not name:
            return None
        return BackupCreate(pool, self._host(name), self._output(),
                            force=self.query_one("#bk-force", Checkbox).value,
                            store_unlock_key=self.query_one("#bk-store-key", Checkbox).value)

    def _highlighted(self) -> Backup | None:
        table = self.query_one("#bk-list", DataTable)
        if not self.backups or table.cursor_row < 0 or table.cursor_row >= len(self.backups):
            return None
        return self.backups[table.cursor_row]

    def _restore_op(self) -> BackupRestore | None:
        pool, backup = self.pool, self._highlighted()
        host = self.query_one("#rs-host", Input).value.strip()
        if pool is None or backup is None or not host:
            return None
        return BackupRestore(pool, self._host(host), backup,
                             force=self.query_one("#rs-force", Checkbox).value,
                             unlock_key=self.query_one("#rs-key", Input).value)

    # ------------------------------------------------------------ preview
    @on(Select.Changed, "#bk-manager")
    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _preview(self) -> None:
        from swarmtui.backup.command import cron_entry

        op = self._create_op()
        snap = swarm_app(self).snapshot
        verdict = verdict_for(snap, op.host.hostname) if op and snap is not None else None
        line = self.query_one("#bk-verdict", Static)
        if verdict is None:
            line.update("no manager to back up" if self.pool else NO_POOL)
        else:
            assert op is not None and snap is not None
            said = unrestorable(snap, verdict)
            op.autolock_warned = bool(said)  # the lines below: with --autolock-ok
            text = verdict.summary + "".join(f"\n{w}" for w in (*verdict.warnings, said) if w)
            if not verdict.allowed:
                text = f"REFUSED unless forced: {verdict.block}" + (
                    f"; back up {', '.join(verdict.safe_instead)} instead"
                    if verdict.safe_instead else "") + f"\n{verdict.summary}"
            line.update(markup_escape(text))
            line.set_class(not verdict.allowed, "errors")
        self.query_one("#bk-cli", Static).update(markup_escape(op.cli if op else "—"))
        app = swarm_app(self)
        cron = cron_entry(op.ssh_name, op.output, app.ssh_config_files(),
                          profile=app.profile or "", force=op.force,
                          autolock_ok=op.autolock_warned) if op else "—"
        self.query_one("#bk-cron", Static).update(markup_escape(cron))
        rs = self._restore_op()
        self.query_one("#rs-cli", Static).update(markup_escape(
            rs.cli if rs else "pick a backup and the host to restore it on"))

    @on(DataTable.RowHighlighted, "#bk-list")
    def _picked(self) -> None:
        backup = self._highlighted()
        host = self.query_one("#rs-host", Input)
        if backup is not None and not host.value.strip():
            host.value = backup.manifest.hostname
        self._preview()

    def action_reload(self) -> None:
        found, problems = list_backups(self._output())
        self.backups = found
        table = self.query_one("#bk-list", DataTable)
        table.clear()
        for b in found:
            m = b.manifest
            lock = ("key stored" if m.unlock_key_file else "key needed") if m.autolock else "no"
            size = f"{m.size / 1024:.0f} KiB" if b.archive_path.is_file() else "missing"
            table.add_row(m.hostname, str(m.managers), lock, size,
                          m.archive.removesuffix(".tar.gz"))
        self.query_one("#bk-problems", Static).update(markup_escape(
            "\n".join(problems) if problems else
            ("" if found else f"no backups in {self._output()}")))
        self._preview()

    # ------------------------------------------------------------ changes
    def _send(self, op: Operation | None, missing: str, *, hosts_only: bool) -> None:
        if op is None:
            self.say("status", missing, error=True)
            return
        self.say("status", f"{op.title}: confirm, then follow its steps…")
        self.change(op, lambda sent: self._done(op, sent),
                    source=HostsOnly() if hosts_only else None)

    @on(Button.Pressed, "#bk-go")
    def action_create(self) -> None:
        self._send(self._create_op(), NO_POOL if self.pool is None else
                   "pick the manager to back up", hosts_only=False)

    @on(Button.Pressed, "#rs-go")
    def action_restore(self) -> None:
        self._send(self._restore_op(), NO_POOL if self.pool is None else
                   "highlight a backup in the list and type the host to restore it on",
                   hosts_only=True)

    def _done(self, op: Any, sent: Sent) -> None:
        steps = "\n".join(getattr(op, "lines", []))
        out = sent.outcome
        self.show_result("status", (out.message if out.ok else f"{out.status}: "
                                    f"{out.message}") + (f"\n{steps}" if steps else ""),
                         error=not out.ok)
        if out.ok and isinstance(op, BackupCreate):
            self.action_reload()
        if out.ok and isinstance(op, BackupRestore):
            self.restored = op.host
            self.query_one("#rs-rejoin", Button).disabled = False
        if out.ok:
            self.refresh_cluster()

    @on(Button.Pressed, "#rs-rejoin")
    def rejoin(self) -> None:
        from swarmtui.ui.screens.wizards.recovery import RecoveryScreen

        if self.restored is None:
            self.say("status", "restore a backup first", error=True)
            return
        self.app.push_screen(RecoveryScreen(leader=self.restored))
