"""Command line: `swarmtui [TARGET]`, `swarmtui lab …`. Exit codes: 0 ok, 1 failure, 2 usage."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from swarmtui import __version__
from swarmtui.swarm import format as fmt


def _lab_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lab = sub.add_parser(
        "lab",
        help="the sandbox lab: real Docker hosts on this machine",
        description="With no subcommand: bring the lab up (if it is not) and open swarmtui on it.",
    )
    lab.add_argument(
        "--tour", action="store_true", help="with no subcommand: open the newcomer's guided tour"
    )
    lab.add_argument("--theme", help="with no subcommand: the theme to open the app with")
    lab.add_argument(
        "--name",
        default=os.environ.get("SWARMTUI_LAB_NAME", "lab"),
        help="lab name (1-8 lowercase letters/digits); labs with different names coexist",
    )
    labsub = lab.add_subparsers(dest="lab_cmd")
    name_too = argparse.ArgumentParser(add_help=False)
    name_too.add_argument("--name", default=argparse.SUPPRESS, help="lab name (as above)")
    up = labsub.add_parser("up", parents=[name_too], help="bring up N hosts, in a swarm by default")
    up.add_argument("--nodes", type=int, default=3, help="number of hosts (default 3)")
    up.add_argument(
        "--managers",
        type=int,
        default=1,
        help="managers among them (default 1; odd numbers advised)",
    )
    up.add_argument(
        "--swarm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="initialise a swarm on node1 and join the others (default: yes)",
    )
    labsub.add_parser(
        "down",
        parents=[name_too],
        help="remove the lab: processes, namespaces, bridge, rules, data",
    )
    labsub.add_parser(
        "status", parents=[name_too], help="show the lab's hosts and their swarm state"
    )
    labsub.add_parser(
        "ssh-config", parents=[name_too], help="print the path of the lab's ssh_config (for ssh -F)"
    )
    for verb, text in (("stop", "break"), ("start", "repair")):
        fault = labsub.add_parser(
            verb,
            parents=[name_too],
            help=f"{text} a host on purpose, to practise triage: its dockerd, sshd or link",
        )
        fault.add_argument("host", help="node1, node2, …")
        fault.add_argument(
            "part",
            nargs="?",
            choices=["dockerd", "sshd", "link"],
            default="dockerd",
            help=f"what to {verb} (default dockerd)",
        )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="swarmtui",
        description="A terminal UI for Docker Swarm clusters.",
    )
    p.add_argument("--version", action="version", version=f"swarmtui {__version__}")
    p.add_argument(
        "target",
        nargs="?",
        default=None,
        help="what to connect to: ssh://[user@]host[:port], an ssh_config alias, "
        "tcp://host:2376, unix:///path, a docker context or a profile name "
        "(default: $DOCKER_HOST, the current docker context, the local socket)",
    )
    p.add_argument("--profile", "-p", help="a cluster profile from the config file")
    p.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="look without touching: every change is refused before it is sent",
    )
    p.add_argument("--theme", help="theme name (built-in or from the config dir's themes/)")
    p.add_argument(
        "--ssh-config",
        action="append",
        default=[],
        metavar="PATH",
        help="an extra ssh_config file to read (e.g. the lab's); may repeat",
    )
    p.add_argument(
        "--trust-host-key",
        choices=["ask", "once", "save", "never"],
        default="ask",
        help="what to do with an unknown SSH host key: ask in the app (default), "
        "trust it for this run, trust and save it to known_hosts, or refuse. "
        "A changed key is always refused.",
    )
    p.add_argument(
        "--tour",
        action="store_true",
        help="a guided tour of a cluster for newcomers (best with `swarmtui lab`)",
    )
    p.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: the platformdirs config dir's config.toml; "
        "env SWARMTUI_CONFIG)",
    )
    p.epilog = (
        "subcommands: `swarmtui lab [up|down|status|ssh-config|stop|start]` (the sandbox lab), "
        "`swarmtui audit` (the journal of changes), `swarmtui config [init|path]`, "
        "`swarmtui exec [TARGET] TASK [-- CMD…]` (a shell in a task's container), "
        "`swarmtui backup [create|list|restore]` (raft backups). "
        "`swarmtui lab --help` for more."
    )
    return p


SUBCOMMANDS = ("lab", "audit", "config", "backup")


def build_sub_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="swarmtui")
    sub = p.add_subparsers(dest="command", required=True)
    _lab_parser(sub)
    from swarmtui.backup.command import add_parser as backup_parser

    backup_parser(sub)
    sub.add_parser("audit", help="print the audit journal of changes made with swarmtui")
    config = sub.add_parser("config", help="the config file: where it is, a commented example")
    config_sub = config.add_subparsers(dest="config_cmd")
    init = config_sub.add_parser("init", help="write a commented example config (every option)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument("--config", metavar="PATH", help="where to write (default: see `path`)")
    path = config_sub.add_parser("path", help="print the config file's path")
    path.add_argument("--config", metavar="PATH", help=argparse.SUPPRESS)
    return p


def run_config(args: argparse.Namespace) -> int:
    from swarmtui.config import EXAMPLE_CONFIG, config_path, load_settings

    target = config_path(getattr(args, "config", None))
    if args.config_cmd == "init":
        if target.exists() and not args.force:
            print(
                f"swarmtui config: {target} already exists; --force overwrites it", file=sys.stderr
            )
            return 1
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(EXAMPLE_CONFIG)
        print(f"wrote {target} — every option, commented; edit it and start swarmtui")
        return 0
    print(target)
    if args.config_cmd is None and target.exists():
        for problem in load_settings(target).problems:
            print(f"  problem: {problem}")
    return 0


def run_lab(args: argparse.Namespace) -> int:
    from swarmtui.lab import Lab, LabError

    try:
        lab = Lab(args.name)
        cmd = args.lab_cmd
        if cmd is None:
            # `swarmtui lab`: the newcomer's way to a real cluster — up (if needed) and open it
            from swarmtui.ui.launch import run_lab_app

            return run_lab_app(args.name, theme=args.theme, tour=args.tour)
        if cmd == "up":
            state = lab.up(nodes=args.nodes, managers=args.managers, swarm=args.swarm)
            print(
                f"lab {lab.name!r} is up in {lab.ready_seconds:.1f} s"
                + (
                    f": a swarm of {fmt.count(len(state.hosts), 'node')}, "
                    f"{fmt.count(state.managers, 'manager')}"
                    if state.swarm
                    else f": {fmt.count(len(state.hosts), 'host')}, no swarm"
                )
            )
            for h in state.hosts:
                print(f"  {h.name:<8} {h.address}")
            print(f"ssh:      ssh -F {lab.ssh_config} node1")
            print(f"swarmtui: swarmtui --ssh-config {lab.ssh_config} node1")
            print("image:    busybox:latest is on every host (no registry is reachable)")
            for fact in lab.kernel_facts():
                print(f"{'works:' if fact.works else 'missing:':<9} {fact.text}")
            return 0
        if cmd == "down":
            lab.down()
            print(f"lab {lab.name!r} is down; nothing of it is left")
            return 0
        if cmd == "ssh-config":
            if not lab.ssh_config.exists():
                print(f"lab {lab.name!r} is not up: run `swarmtui lab up`", file=sys.stderr)
                return 1
            print(lab.ssh_config)
            return 0
        if cmd in ("stop", "start"):
            if not lab.is_up():
                print(f"lab {lab.name!r} is not up: run `swarmtui lab up`", file=sys.stderr)
                return 1
            up = cmd == "start"
            if args.part == "dockerd":
                (lab.start_dockerd if up else lab.stop_dockerd)(args.host)
            elif args.part == "sshd":
                (lab.start_sshd if up else lab.stop_sshd)(args.host)
            else:
                lab.set_link(args.host, up)
            print(f"{args.host}: {args.part} {'started' if up else 'stopped'}")
            return 0
        if cmd == "status":
            if not lab.hosts:
                print(f"lab {lab.name!r} is not up: run `swarmtui lab up`")
                return 1
            rows = lab.status()
            cols = list(rows[0])
            widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
            print("  ".join(c.upper().ljust(widths[c]) for c in cols))
            for r in rows:
                print("  ".join(r[c].ljust(widths[c]) for c in cols))
            return 0
    except LabError as exc:
        print(f"swarmtui lab: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"swarmtui lab: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("swarmtui lab: interrupted; run `swarmtui lab down` to clean up", file=sys.stderr)
        return 130
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "exec":  # its own parser: TARGET TASK -- COMMAND…
        from swarmtui.exec_cli import run_exec

        return run_exec(argv[1:])
    # `lab` and `audit` are subcommands; anything else is the app's TARGET.
    if argv and argv[0] in SUBCOMMANDS:
        args = build_sub_parser().parse_args(argv)
    else:
        args = build_parser().parse_args(argv)
        args.command = None
    if args.command == "lab":
        return run_lab(args)
    if args.command == "config":
        return run_config(args)
    if args.command == "backup":
        from swarmtui.backup.command import run as run_backup

        return run_backup(args)
    if args.command == "audit":
        from swarmtui.audit import print_journal

        return print_journal()
    from swarmtui import codecache
    from swarmtui.swarm.sync import gcpause

    codecache.install()  # dataclasses' methods from the last start's code (issue 17)
    gcpause.hold_start()  # no collector pass while ~800 modules load (released on screen)
    try:
        from swarmtui.startup import begin

        early = begin(args)  # connect and list while the UI is imported (issue 17)
        from swarmtui.ui.launch import run_app

        return run_app(args, early)
    finally:
        gcpause.started()


if __name__ == "__main__":
    sys.exit(main())
