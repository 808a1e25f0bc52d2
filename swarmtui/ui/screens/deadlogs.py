"""A task that ended (`l` on its row): its container's own logs, exit code and OOMKilled,
read from its node over SSH (swarm/reach/deadlogs.py) — `docker service logs` is often
empty for a task that died at once. When the container is gone, it says so plainly.
Escape goes back; ctrl+r reads again.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Log, Static

from swarmtui.connect.errors import ConnectError
from swarmtui.swarm.reach.deadlogs import DeadTaskLogs, dead_task_logs
from swarmtui.swarm.state import ClusterSnapshot
from swarmtui.swarm.task_model import Task
from swarmtui.ui.context import swarm_app
from swarmtui.ui.widgets.footer import KeysFooter

#: the last lines read from the container
TAIL = 200
READ_TIMEOUT = 30.0


class DeadTaskScreen(Screen[None]):
    """The container of one ended task, from its node."""

    HELP_TITLE = "an ended task's container"
    DEFAULT_CSS = """
    DeadTaskScreen #dead-title { background: $panel; text-style: bold; padding: 0 1; }
    DeadTaskScreen #dead-what { padding: 0 1; height: auto; }
    DeadTaskScreen #dead-cli { padding: 0 1; color: $text-muted; height: auto; }
    DeadTaskScreen Log { height: 1fr; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="deadlogs.back"),
        Binding("ctrl+r", "reload", "Read again", id="deadlogs.reload"),
    ]

    def __init__(self, task: Task, name: str, hostname: str, address: str) -> None:
        super().__init__()
        self.task_obj = task
        self.task_label = name
        self.hostname = hostname
        self.address = address
        self.result: DeadTaskLogs | None = None
        self.error = ""

    def compose(self) -> ComposeResult:
        t = self.task_obj
        yield Static(f"{self.task_label} on {self.hostname or '?'} — {t.state}"
                     + (f": {t.error}" if t.error else ""), id="dead-title", markup=False)
        yield Static("reading its container on the node…", id="dead-what", markup=False)
        yield Static("", id="dead-cli", markup=False)
        yield Log(id="dead-log", max_lines=TAIL * 2)
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one(Log).focus()
        self.action_reload()

    def action_reload(self) -> None:
        if not self.task_obj.container_id:
            self.show_error("no container was made for this task on its node (the swarm "
                            "rejected or never started it): the task's error above is all "
                            "there is")
            return
        store = swarm_app(self).store
        if store is None or store.reach is None:
            self.show_error("reading a node needs a live connection with SSH to the nodes")
            return
        self.run_worker(self._read(), exclusive=True, group="dead-read", exit_on_error=False)

    async def _read(self) -> None:
        store = swarm_app(self).store
        reach = store.reach if store is not None else None
        cid = self.task_obj.container_id
        if reach is None or not cid:
            return
        try:
            future = reach.submit(dead_task_logs(reach.pool, self.hostname, self.address, cid,
                                                 TAIL))
            found = await asyncio.wait_for(asyncio.wrap_future(future), READ_TIMEOUT)
        except ConnectError as exc:
            self.show_error(f"cannot read {self.hostname}: {exc}")
            return
        except TimeoutError:
            self.show_error(f"{self.hostname} did not answer within {READ_TIMEOUT:g} s")
            return
        self.show_logs(found)

    def show_error(self, text: str) -> None:
        self.error = text
        self.query_one("#dead-what", Static).update(text)

    def show_logs(self, found: DeadTaskLogs) -> None:
        self.result, self.error = found, ""
        what = found.message
        if found.error:
            what += f"\nthe engine said: {found.error}"
        if not found.gone and not found.logs:
            what += "\nit wrote nothing to stdout or stderr"
        self.query_one("#dead-what", Static).update(what)
        self.query_one("#dead-cli", Static).update(found.cli(TAIL))
        log = self.query_one(Log)
        log.clear()
        if found.logs:
            log.write(found.logs if found.logs.endswith("\n") else found.logs + "\n")

    def action_back(self) -> None:
        self.app.pop_screen()


def ended_task_screen(snap: ClusterSnapshot, task_id: str) -> DeadTaskScreen | None:
    """The screen for `l` on a task that ended (failed, shut down, rejected…); None for a
    task still running or starting (its service's logs follow it)."""
    task = snap.tasks.get(task_id)
    if task is None or not task.is_terminal:
        return None
    node = snap.nodes.get(task.node_id or "")
    return DeadTaskScreen(task, snap.task_name(task), snap.node_hostname(task.node_id),
                          node.address if node is not None else "")
