"""Walkthrough mode: for every action taken, the docker command and what Swarm does.

ONE entry point for every screen that applies a change:

    from swarmtui.ui.walkthrough import record_action
    record_action(app, op.cli, op.name, ok)

`kind` is the operation's `name` ("drain", "scale", "create service", "rotate join
token", …; see EXPLANATIONS). Every action is kept for the session (walkthrough panel
shown or not), so `export_script` can write them out as a shell script. The panel
(`WalkthroughPanel`) lives on the main screen; `w` toggles it, `W` exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Static

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


class Walkthrough:
    """The session's actions (kept whether the panel is shown or not)."""

    def __init__(self) -> None:
        self.actions: list[Action] = []
        self.shown = False

    def record(self, cli: str, kind: str, ok: bool) -> Action:
        action = Action(redact(cli), kind, ok)
        self.actions.append(action)
        return action

    def script(self) -> str:
        lines = ["#!/bin/sh",
                 "# The docker commands of a swarmtui session, in the order they were taken.",
                 "# Commands that failed are commented out. Review before running.",
                 "set -e", ""]
        for a in self.actions:
            first, second = explain(a.kind)
            lines.append(f"# {a.at:%Y-%m-%d %H:%M:%S}Z {a.kind}: {first} {second}")
            lines.append(a.cli if a.ok else f"# FAILED: {a.cli}")
        return "\n".join(lines) + "\n"


def record_action(app: SwarmApp, cli: str, kind: str, ok: bool) -> None:
    """Call after an operation was applied (ok) or failed. Safe from the UI thread only;
    from a thread worker use `app.call_from_thread(record_action, app, …)`."""
    action = app.walkthrough.record(cli, kind, ok)
    for screen in app.screen_stack:
        for panel in screen.query(WalkthroughPanel):
            panel.add(action)


def export_script(app: SwarmApp, directory: Path | None = None) -> Path:
    """Write the session's commands as a shell script; return its path."""
    directory = directory or Path.cwd()
    path = directory / f"swarmtui-session-{fmt.now_utc():%Y%m%d-%H%M%S}.sh"
    path.write_text(app.walkthrough.script(), encoding="utf-8")
    path.chmod(0o755)
    return path


def _entry_markup(a: Action) -> str:
    first, second = explain(a.kind)
    mark = "[$success]✔[/]" if a.ok else "[$error]✖ failed[/]"
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
