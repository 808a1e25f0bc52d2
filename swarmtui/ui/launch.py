"""Starting the app from the command line: `swarmtui [TARGET]` and `swarmtui lab`."""

from __future__ import annotations

import argparse
import sys

from swarmtui import startup
from swarmtui.ui.app import SwarmApp
from swarmtui.ui.connecting import LAB_NAME


def run_app(args: argparse.Namespace, early: startup.Early | None = None) -> int:
    """`swarmtui [TARGET]`: load the config, build the app, run it; return the exit code.
    With `early` (swarmtui/startup.py), on the loop where its store is already connecting."""
    from swarmtui.config import load_settings

    settings = early.settings if early else load_settings(getattr(args, "config", None))
    app = SwarmApp(settings=settings, theme=args.theme, read_only=args.read_only,
                   ssh_config=list(args.ssh_config or []), trust_mode=args.trust_host_key,
                   target=args.target, profile=args.profile,
                   tour=bool(getattr(args, "tour", False)), early=early)
    if early is None:
        return int(app.run() or 0)
    loop = early.handover()
    try:
        rc = app.run(loop=loop)
    finally:
        startup.finish(loop)
    return int(rc or 0)


def run_lab_app(name: str = LAB_NAME, theme: str | None = None, tour: bool = False) -> int:
    """`swarmtui lab` with no subcommand: bring the sandbox lab up (if it is not) and open it."""
    from swarmtui.lab import Lab, LabError

    try:
        lab = Lab(name)
        if not lab.is_up():
            print(f"starting the sandbox lab {name!r}: 3 hosts, a swarm of 1 manager "
                  "and 2 workers…", flush=True)
            lab.up(nodes=3, managers=1)
            lab.seed_sample()
    except (LabError, OSError) as exc:
        print(f"swarmtui lab: {exc}", file=sys.stderr)
        return 1
    app = SwarmApp(theme=theme, ssh_config=[str(lab.ssh_config)], target="node1", tour=tour)
    return int(app.run() or 0)
