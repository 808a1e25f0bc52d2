"""`swarmtui exec [options] [TARGET] TASK [-- COMMAND [ARG...]]`: a shell in a task's container.

TARGET is the manager, as for `swarmtui` itself; TASK is `service.slot`, a task
ID or a service name (its first running task). The task's node and container
come from the manager's API; the node is reached through the node pool (same
host-key rules); `docker exec` runs there with a PTY when stdin is a TTY.
Exit status: the command's; 125 when swarmtui could not run it (like
`docker run`); 2 for bad usage. Refused in read-only mode (a shell can change
anything), and journaled like every change.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from swarmtui.connect.errors import ConnectError
from swarmtui.connect.hostkeys import HostKeyQuestion, TrustCallback, TrustDecision, fixed_trust
from swarmtui.secrets import redact
from swarmtui.swarm.ops.base import READ_ONLY_BLOCK

CANNOT_RUN = 125


def build_exec_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="swarmtui exec",
        description="Run a command (default: a shell) in a task's container, on whatever "
        "node it runs, over SSH to that node. The exit status is the command's "
        f"({CANNOT_RUN} when swarmtui could not run it).",
        usage="swarmtui exec [--ssh-config PATH] [--trust-host-key MODE] [--profile NAME] "
        "[TARGET] TASK [-- COMMAND [ARG...]]",
    )
    p.add_argument("target", nargs="?", default=None,
                   help="the manager, as for `swarmtui TARGET` (default: as `swarmtui`)")
    p.add_argument("task", help="service.slot, a task ID, or a service name (its first "
                                "running task)")
    p.add_argument("--profile", "-p", help="a cluster profile from the config file")
    p.add_argument("--ssh-config", action="append", default=[], metavar="PATH",
                   help="an extra ssh_config file to read (e.g. the lab's); may repeat")
    p.add_argument("--trust-host-key", choices=["ask", "once", "save", "never"], default="ask",
                   help="an unknown SSH host key: ask on the terminal (default), trust for this "
                   "run, trust and save, or refuse. A changed key is always refused.")
    p.add_argument("--read-only", action="store_true", default=None,
                   help="refuse (exec is a change: a shell can change anything)")
    p.add_argument("--config", metavar="PATH", help="config file")
    return p


def _ask_on_tty(question: HostKeyQuestion) -> TrustDecision:
    try:
        tty = open("/dev/tty", "r+", encoding="utf-8")  # noqa: SIM115
    except OSError:
        print(f"swarmtui exec: {question.text}\nrefused: no terminal to ask on (use "
              "--trust-host-key once|save)", file=sys.stderr)
        return TrustDecision.CANCEL
    with tty:
        tty.write(f"{question.text}\nTrust it? [o]nce / [s]ave to known_hosts / [N]o: ")
        tty.flush()
        answer = tty.readline().strip().lower()
    return {"o": TrustDecision.ONCE, "once": TrustDecision.ONCE, "s": TrustDecision.SAVE,
            "save": TrustDecision.SAVE}.get(answer, TrustDecision.CANCEL)


def terminal_trust() -> TrustCallback:
    """Ask on the controlling terminal; refuse when there is none."""

    async def ask(question: HostKeyQuestion) -> TrustDecision:
        return await asyncio.to_thread(_ask_on_tty, question)

    return ask


def run_exec(argv: Sequence[str]) -> int:
    argv = list(argv)
    command: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, command = argv[:cut], argv[cut + 1:]
    args = build_exec_parser().parse_intermixed_args(argv)
    from swarmtui.config import load_settings

    settings = load_settings(args.config)
    profile = settings.profiles.get(args.profile or args.target or settings.default_profile or "")
    read_only = bool(args.read_only) or bool(profile and profile.read_only) or settings.read_only
    if read_only:
        print(f"swarmtui exec: refused — {READ_ONLY_BLOCK}", file=sys.stderr)
        _journal(args, command, None, READ_ONLY_BLOCK, refused=True)
        return CANNOT_RUN
    trust = terminal_trust() if args.trust_host_key == "ask" else fixed_trust(args.trust_host_key)
    ssh_config = [*args.ssh_config, *settings.ssh_config, *(profile.ssh_config if profile else [])]
    try:
        return asyncio.run(_exec(args, command, settings, trust, ssh_config,
                                 dict(profile.nodes) if profile else {}))
    except KeyboardInterrupt:
        return 130


def _journal(args: argparse.Namespace, command: Sequence[str], status: int | None,
             error: str | None, cli: str = "", target: str = "",
             refused: bool = False) -> None:
    from swarmtui.swarm.reach.exec import journal_exec

    problem = journal_exec(target or args.task,
                           cli or f"docker exec {args.task} {' '.join(command) or 'sh'}",
                           status, error, args.profile or args.target or "", refused)
    if problem:
        print(f"swarmtui exec: {problem}", file=sys.stderr)


async def _exec(args: argparse.Namespace, command: list[str], settings: object,
                trust: TrustCallback, ssh_config: list[str], node_map: dict[str, str]) -> int:
    from swarmtui.config import Settings
    from swarmtui.connect.endpoint import resolve_target
    from swarmtui.connect.link import ClusterLink
    from swarmtui.connect.nodes import NodePool
    from swarmtui.swarm.reach.exec import DEFAULT_SHELL, TaskNotFoundError, exec_in_task, find_task

    assert isinstance(settings, Settings)
    try:
        target = resolve_target(args.target, profile=args.profile, settings=settings)
        link = ClusterLink(target, trust=trust, ssh_config=ssh_config, failover=False)
        await link.connect()
    except ConnectError as exc:
        print(f"swarmtui exec: {exc}", file=sys.stderr)
        return CANNOT_RUN
    pool: NodePool | None = None
    try:
        try:
            place = await asyncio.to_thread(find_task, link.api, args.task)
        except TaskNotFoundError as exc:
            print(f"swarmtui exec: {exc}", file=sys.stderr)
            return CANNOT_RUN
        except Exception as exc:  # the manager's API: not a manager, gone, …
            print(f"swarmtui exec: cannot read the tasks: {redact(str(exc))}", file=sys.stderr)
            return CANNOT_RUN
        assert link.options is not None
        pool = NodePool(link.options, manager=link.endpoint, node_map=node_map)
        cmd = command or list(DEFAULT_SHELL)
        from swarmtui.swarm.reach.exec import exec_command

        line = exec_command(place.container_id[:12], cmd, tty_=os.isatty(0))
        cli = f"ssh {pool.route(place.hostname, place.address).ssh_name} {line}"
        try:
            status = await exec_in_task(pool, place, cmd)
        except ConnectError as exc:
            print(f"swarmtui exec: {place.name} on {place.hostname}: {exc}", file=sys.stderr)
            _journal(args, command, None, str(exc), cli, place.name)
            return CANNOT_RUN
        _journal(args, command, status, None, cli, place.name)
        return status
    finally:
        if pool is not None:
            await pool.close()
        await link.close()
