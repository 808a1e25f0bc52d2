"""Walkthrough mode: for every action taken, the docker command and what Swarm does.

ONE entry point for every screen that applies a change:

    from swarmtui.ui.walkthrough import record_action
    record_action(app, op.cli, op.name, ok, op.hosts)

`kind` is the operation's `name` ("drain", "scale", "create service", "rotate join
token", …; see EXPLANATIONS). Every action is kept for the session (walkthrough panel
shown or not), so `export_script` can write them out as a shell script. The panel
(`WalkthroughPanel`) lives on the main screen; `w` toggles it, `W` exports.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from swarmtui import audit
from swarmtui.bootstrap.export import user_path, write_script
from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.ui.context import swarm_app

if TYPE_CHECKING:
    from swarmtui.ui.app import SwarmApp

#: operation name → two lines: what Swarm does with it
EXPLANATIONS: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- nodes (swarm.ops)
    "drain": ("The scheduler stops this node's tasks and starts replacements on Active nodes;",
              "standalone containers are not touched, and no new task is placed here."),
    "activate": ("The node takes new tasks again. Running tasks are NOT moved back:",
                 "they rebalance only when services update or tasks fail elsewhere."),
    "pause": ("The scheduler places no NEW tasks on this node;",
              "the tasks already running there keep running."),
    "promote": ("The node joins the Raft group of managers: it gets a copy of the cluster",
                "state and a vote. Quorum is now a majority of the new manager count."),
    "demote": ("The manager leaves the Raft group and becomes a worker; its tasks stay.",
               "Fewer managers tolerate fewer failures; never demote below a majority."),
    "label-add": ("The node gets a label in its spec (not the engine's labels);",
                  "placement constraints like node.labels.KEY==VALUE can now match it."),
    "label-rm": ("The label is removed from the node's spec;",
                 "tasks already placed by it stay, new ones no longer match it."),
    "node-rm": ("The node is deleted from the cluster's list (it must be Down, or use --force);",
                "its tasks are rescheduled elsewhere. To come back it must join again."),
    "node-leave-rm": ("The node leaves the swarm itself (over SSH) and its tasks move to the",
                      "others; once the managers see it Down it is deleted from the list."),
    # ------------------------------------------------------------- services (swarm.ops)
    "scale": ("The desired replica count changes; the orchestrator creates tasks or stops",
              "the highest slots until the running count matches (replicated services only)."),
    "force-update": ("Every task is replaced even though the spec did not change (ForceUpdate+1),",
                     "following the update config: parallelism, delay, failure action."),
    "update-image": ("The service's image changes: tasks are replaced batch by batch",
                     "(update config), and a failing batch pauses or rolls back the update."),
    "rollback": ("The service returns to its previous spec (PreviousSpec);",
                 "tasks are replaced following the rollback config."),
    "restore-spec": ("A spec from the service's history becomes current again, sent whole;",
                     "a changed task template replaces the tasks batch by batch (update config)."),
    "service-rm": ("The service and all its tasks are removed; their containers are stopped",
                   "on every node. Volumes and networks it used are left in place."),
    # ----------------------------------------------------------------- swarm.create
    "create service": ("Swarm stores the service spec; the orchestrator creates its tasks",
                       "and the scheduler places each on a node that fits its constraints."),
    "update service": ("The new spec is stored; tasks whose spec changed are replaced",
                       "batch by batch following the update config."),
    "attach service to network": ("The network is added to the service spec: every task is",
                                  "replaced so its containers join the network."),
    "detach service from network": ("The network is removed from the service spec: every task",
                                    "is replaced without it."),
    "deploy stack": ("Each service, network, secret and config of the compose file is created",
                     "or updated, labelled com.docker.stack.namespace=STACK."),
    "remove stack": ("Every service, network, secret and config labelled with the stack's",
                     "namespace is removed; volumes are kept."),
    "create network": ("An overlay network is created in the cluster store; it reaches a node",
                       "only when a task attached to it is scheduled there."),
    "remove network": ("The network is deleted from the cluster; Swarm refuses while a",
                       "service still uses it."),
    "create secret": ("The secret is stored encrypted in the Raft log; only tasks of services",
                      "granted it see it, as a file under /run/secrets. It cannot be read back."),
    "remove secret": ("The secret is deleted from the Raft store; Swarm refuses while",
                      "a service still uses it."),
    "create config": ("The config is stored in the Raft log (not encrypted at rest);",
                      "tasks of services granted it get it as a file."),
    "remove config": ("The config is deleted; Swarm refuses while a service still uses it.",
                      "Configs are immutable: change one by creating a new name."),
    # -------------------------------------------------------------------- swarmspec
    "init": ("This engine becomes the first manager (and leader) of a new swarm;",
             "it creates the cluster's CA and the join tokens for workers and managers."),
    "join": ("The engine contacts a manager with the join token, gets a TLS certificate",
             "signed by the cluster CA, and becomes a worker or a manager."),
    "leave": ("The engine leaves the swarm: its tasks stop, it stays listed as Down",
              "on the managers until `docker node rm`. A manager must use --force."),
    "force-new-cluster": ("This manager starts a new one-manager Raft group with the old state;",
                          "other managers are dropped: re-add managers to regain fault tolerance."),
    "rotate join token": ("A new join token replaces the old one: nodes already in the swarm",
                          "are not affected, but the old token can no longer join new nodes."),
    "autolock": ("With autolock, a restarted manager keeps its Raft keys encrypted until",
                 "someone runs `docker swarm unlock` with the unlock key."),
    "rotate unlock key": ("A new unlock key encrypts the managers' Raft keys; keep the old one",
                          "for a while: a manager that missed the change still needs it."),
    "unlock": ("The restarted manager decrypts its Raft keys with the unlock key",
               "and rejoins the managers' quorum."),
    "rotate ca": ("A new root CA is made (or the one given is used); each node gets a",
                  "certificate signed by it at its next renewal, then the old root is dropped."),
    "start engine": ("The node's dockerd is started over SSH (systemd, OpenRC, sysvinit or",
                     "the lab's script); it rejoins the swarm and the managers see it Ready."),
    "prune": ("Stopped containers, dangling images and build cache are deleted on that",
              "node only (volumes only when asked); swarm tasks and services are untouched."),
    "backup create": ("The manager's engine is stopped, /var/lib/docker/swarm (raft log, keys,",
                      "certificates) is copied to this machine, and the engine started again."),
    "backup restore": ("The host's swarm directory is replaced by the archive's (the old one is",
                       "kept) and a new one-manager cluster is forced from that raft state."),
    "recover: force-new-cluster": ("The freshest manager starts a new one-manager Raft group",
                                   "with the swarm's state; the other managers are dropped."),
    "recover: re-join manager": ("The old manager's entry is removed, its swarm state moved",
                                 "aside, and it joins the new leader as a manager again."),
    "recover: promote manager": ("The old manager, a Ready worker of the new cluster, is",
                                 "promoted by the leader into its Raft group; nothing restarts."),
    "swarm settings": ("The cluster-wide spec changes (certificate expiry, heartbeat,",
                       "task history); managers apply it at once, nodes at their next renewal."),
}

UNKNOWN = ("Swarm stores the change in its Raft log and the managers act on it;",
           "watch the panes to see the result.")


#: operation (journal) names that read differently in the explanations
ALIASES = {"swarm init": "init", "swarm leave": "leave", "bootstrap host": "join"}


def explain(kind: str) -> tuple[str, str]:
    """Two lines about what Swarm does with an action of this kind."""
    key = kind.strip().lower()
    key = ALIASES.get(key, key)
    if key in EXPLANATIONS:
        return EXPLANATIONS[key]
    for name, lines in EXPLANATIONS.items():  # "update service web" → "update service"
        if key.startswith(name):
            return lines
    return UNKNOWN


@dataclass(frozen=True)
class Action:
    cli: str
    kind: str
    ok: bool
    at: datetime = field(default_factory=fmt.now_utc)
    #: the host(s) the commands ran on over SSH, when not the connected manager's CLI
    #: (the bootstrap's "root@node2"); several hosts' commands are under "# HOST" lines
    hosts: tuple[str, ...] = ()

    def script_lines(self) -> list[str]:
        """The commands as a script runs them: another host's through `ssh HOST sh -s`;
        a failed action's lines all commented out."""
        lines = _on_hosts(self.cli, self.hosts) if self.hosts else self.cli.splitlines()
        if self.ok:
            return lines
        return [f"# FAILED: {lines[0]}" if lines else "# FAILED"] + [f"#   {x}"
                                                                    for x in lines[1:]]


def _on_hosts(cli: str, hosts: tuple[str, ...]) -> list[str]:
    """Each host's commands in an `ssh HOST sh -s <<'EOF'` block."""
    sections: dict[str, list[str]] = {h: [] for h in hosts}
    current = hosts[0]
    for line in cli.splitlines():
        if len(hosts) > 1 and line.startswith("# ") and line[2:] in sections:
            current = line[2:]
            continue
        sections[current].append(line)
    out: list[str] = []
    for host, cmds in sections.items():
        if cmds:
            out += [f"ssh {shlex.quote(host)} sh -s <<'SWARMTUI_EOF'   # on {host}", *cmds,
                    "SWARMTUI_EOF"]
    return out


class Walkthrough:
    """The session's actions (kept whether the panel is shown or not)."""

    def __init__(self) -> None:
        self.actions: list[Action] = []
        self.shown = False

    def record(self, cli: str, kind: str, ok: bool, hosts: tuple[str, ...] = ()) -> Action:
        action = Action(redact(cli), kind, ok, hosts=hosts)
        self.actions.append(action)
        return action

    def script(self) -> str:
        lines = ["#!/bin/sh",
                 "# The docker commands of a swarmtui session, in the order they were taken.",
                 "# Commands that failed are commented out. Review before running.",
                 "set -e", ""]
        for a in self.actions:
            first, second = explain(a.kind)
            where = f" (on {', '.join(a.hosts)})" if a.hosts else ""
            lines.append(f"# {a.at:%Y-%m-%d %H:%M:%S}Z {a.kind}{where}: {first} {second}")
            lines.extend(a.script_lines())
        return "\n".join(lines) + "\n"


def record_action(app: SwarmApp, cli: str, kind: str, ok: bool,
                  hosts: tuple[str, ...] = ()) -> None:
    """Call after an operation was applied (ok) or failed; `hosts`: where it ran over SSH
    when not on the connected manager (Operation.hosts). Safe from the UI thread only;
    from a thread worker use `app.call_from_thread(record_action, app, …)`."""
    action = app.walkthrough.record(cli, kind, ok, hosts)
    for screen in app.screen_stack:
        for panel in screen.query(WalkthroughPanel):
            panel.add(action)


def default_export_path(app: SwarmApp) -> Path:
    """Where `W` offers to write the script: the state dir's exports/ (or export_dir)."""
    directory = app.export_dir or audit.state_dir() / "exports"
    return directory / f"swarmtui-session-{fmt.now_utc():%Y%m%d-%H%M%S}.sh"


def export_script(app: SwarmApp, path: str | Path) -> Path:
    """Write the session's commands as a shell script at `path` (new, mode 0700, never
    through a symlink; the state dir's exports/ is made if missing); the path written.
    Raises ExportError in words."""
    target = user_path(path)
    if target.parent == audit.state_dir() / "exports":
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return write_script(target, app.walkthrough.script())


def _entry_markup(a: Action) -> str:
    first, second = explain(a.kind)
    mark = "[$success]✔[/]" if a.ok else "[$error]✖ failed[/]"
    if a.hosts:
        mark += f" on {escape(', '.join(a.hosts))}"
    return f"{mark} [b]$ {escape(a.cli)}[/b]\n[$text-muted]{escape(first)} {escape(second)}[/]"


class WalkthroughPanel(VerticalScroll):
    """Side panel: each action's docker command and what Swarm does with it."""

    DEFAULT_CSS = """
    WalkthroughPanel { height: 1fr; border-left: tall $primary;
                       padding: 0 1; background: $surface; display: none; }
    WalkthroughPanel.shown { display: block; }
    WalkthroughPanel > .wt-title { text-style: bold; color: $primary; }
    WalkthroughPanel > .wt-entry { margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Walkthrough — what each action does", classes="wt-title")
        actions = swarm_app(self).walkthrough.actions
        if not actions:
            yield Static("Take an action (drain, scale, …): its docker command and what "
                         "Swarm does with it appear here. W exports them as a script.",
                         classes="wt-entry wt-empty")
        for a in actions:
            yield Static(_entry_markup(a), classes="wt-entry")

    def add(self, action: Action) -> None:
        for empty in self.query(".wt-empty"):
            empty.remove()
        self.mount(Static(_entry_markup(action), classes="wt-entry"))
        self.scroll_end(animate=False)
