"""`x` on a task row: a shell in the task's container, on its node, with the TUI suspended.

The node is reached through a node pool made from the cluster link's own options (the
same host-key trust: an unknown key is asked in the app BEFORE the screen is handed
over); then `App.suspend()` gives the terminal to `docker exec -it` over that node's
SSH connection, and the app comes back when the shell exits. Journaled like a change.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from swarmtui.connect.errors import ConnectError
from swarmtui.connect.nodes import NodePool
from swarmtui.swarm.reach.exec import (
    DEFAULT_SHELL,
    TaskNotFoundError,
    TaskPlace,
    exec_command,
    exec_in_task,
    journal_exec,
    place_of,
)
from swarmtui.ui.panes.base import ActionContext, RefusedError

if TYPE_CHECKING:
    from swarmtui.connect.link import ClusterLink
    from swarmtui.ui.app import SwarmApp


def open_shell(ctx: ActionContext) -> None:
    """The handler of `tasks.exec`."""
    if ctx.selected is None:
        raise RefusedError("shell: put the cursor on a running task")
    try:
        place = place_of(ctx.snapshot, ctx.selected)
    except TaskNotFoundError as exc:
        raise RefusedError(f"shell: {exc}") from exc
    link = ctx.app.cluster_link
    if link is None or link.options is None:
        raise RefusedError("shell: needs a live connection to the cluster (not a recording)")
    ctx.app.run_worker(_shell(ctx.app, link, place), group="shell", exclusive=True)


async def _shell(app: SwarmApp, link: ClusterLink, place: TaskPlace) -> None:
    assert link.options is not None
    pool = NodePool(link.options, manager=link.endpoint, node_map=app.profile_nodes)
    cli = ""
    status: int | None = None
    try:
        cli = (f"ssh {pool.route(place.hostname, place.address).ssh_name} "
               f"{exec_command(place.container_id[:12], DEFAULT_SHELL, tty_=True)}")
        await pool.connection(place.hostname, place.address, force=True)  # trust asked here
        with app.suspend():
            sys.stdout.write(f"swarmtui: a shell in {place.name} on {place.hostname} — "
                             "exit it to come back\r\n")
            sys.stdout.flush()
            status = await exec_in_task(pool, place, DEFAULT_SHELL)
    except ConnectError as exc:
        app.notify(f"shell in {place.name}: {exc}", severity="error", timeout=8)
        journal_exec(place.name, cli, None, str(exc), link.cluster)
        return
    except Exception as exc:  # SuspendNotSupported (no real terminal), a driver error
        app.notify(f"shell in {place.name}: cannot hand over the terminal ({exc})",
                   severity="error", timeout=8)
        return
    finally:
        await pool.close()
    problem = journal_exec(place.name, cli, status, None, link.cluster)
    app.notify(f"shell in {place.name} on {place.hostname} ended (exit status {status})"
               + (f"; {problem}" if problem else ""), timeout=4)
