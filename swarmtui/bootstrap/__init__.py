"""Bootstrap a new host into the swarm over SSH: facts → plan → apply (issue 6).

No textual here: a wizard screen drives `HostBootstrap` (runner.py) and renders its
`Check`s, `Step`s and `ApplyEvent`s.
"""

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

__all__ = [
    "ApplyEvent", "ApplyResult", "Check", "ClusterContext", "CommandResult", "CommandRunner",
    "HostBootstrap", "HostFacts", "Plan", "PlanOptions", "Probe", "SshRunner", "Step",
    "SudoPassword",
    "apply_many", "apply_plan", "assess", "export_script", "make_plan", "probe_host",
]
