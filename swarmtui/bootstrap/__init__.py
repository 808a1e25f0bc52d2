"""Bootstrap a new host into the swarm over SSH: facts → plan → apply (issue 6).

No textual here: a wizard screen drives `HostBootstrap` (runner.py) and renders its
`Check`s, `Step`s and `ApplyEvent`s.

The package loads each module on first use of one of its names (PEP 562): the node
doctor needs only `bootstrap.engine`, and the first screen none of the rest (start-up
time: issue 17).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarmtui.bootstrap.facts import Check, HostFacts, assess
    from swarmtui.bootstrap.plan import Plan, PlanOptions, Step, export_script, make_plan
    from swarmtui.bootstrap.probe import ClusterContext, Probe, probe_host
    from swarmtui.bootstrap.remote import CommandResult, CommandRunner, SshRunner, SudoPassword
    from swarmtui.bootstrap.runner import (
        ApplyEvent,
        ApplyResult,
        HostBootstrap,
        apply_many,
        apply_plan,
    )

#: each public name → the module defining it
_WHERE = {
    "Check": "facts", "HostFacts": "facts", "assess": "facts",
    "Plan": "plan", "PlanOptions": "plan", "Step": "plan", "export_script": "plan",
    "make_plan": "plan",
    "ClusterContext": "probe", "Probe": "probe", "probe_host": "probe",
    "CommandResult": "remote", "CommandRunner": "remote", "SshRunner": "remote",
    "SudoPassword": "remote",
    "ApplyEvent": "runner", "ApplyResult": "runner", "HostBootstrap": "runner",
    "apply_many": "runner", "apply_plan": "runner",
}

__all__ = [
    "ApplyEvent", "ApplyResult", "Check", "ClusterContext", "CommandResult", "CommandRunner",
    "HostBootstrap", "HostFacts", "Plan", "PlanOptions", "Probe", "SshRunner", "Step",
    "SudoPassword",
    "apply_many", "apply_plan", "assess", "export_script", "make_plan", "probe_host",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
