"""Leaving the swarm and recovering a lost quorum (`docker swarm init --force-new-cluster`)
on a blocking `docker.APIClient`, with their CLI lines and what they cost.
"""

from __future__ import annotations

import shlex
from typing import Any

import docker
import docker.errors

from swarmtui.swarm import format as fmt
from swarmtui.swarm.swarmspec import docker_errors

# ----------------------------------------------------------------------------- leave


def node_facts(api: docker.APIClient) -> dict[str, Any]:
    """Name, swarm state and manager counts of the engine behind `api` (blocking)."""
    info = api.info()
    sw = info.get("Swarm") or {}
    return {"name": str(info.get("Name") or ""), "state": str(sw.get("LocalNodeState") or ""),
            "manager": bool(sw.get("ControlAvailable")),
            "managers": int(sw.get("Managers") or 0),
            "node_addr": str(sw.get("NodeAddr") or "")}



def leave_cli(force: bool) -> str:
    return "docker swarm leave --force" if force else "docker swarm leave"


def leave_consequences(is_manager: bool, managers: int, reachable_managers: int) -> str:
    """What leaving does, spelled out for the confirmation screen.

    A manager forced out with `docker swarm leave --force` is NOT removed from raft: it
    still counts as a (now unreachable) manager until demoted and removed, so quorum is
    computed on the same number of managers with one fewer reachable."""
    if not is_manager:
        return ("This node stops running swarm tasks (they are rescheduled elsewhere) and "
                "stays listed as Down in `docker node ls` until a manager removes it "
                "(`docker node rm`).")
    text = "This is a manager: leaving needs --force. "
    if managers <= 1:
        return text + ("It is the last manager: the swarm and all its services, secrets and "
                       "configs are lost for good.")
    need = managers // 2 + 1
    left = reachable_managers - 1
    if left < need:
        return text + (f"It stays in raft as an unreachable manager, so the {left} remaining "
                       f"reachable {fmt.plural(left, 'manager')} cannot form a quorum "
                       f"(need {need} of {managers}): "
                       "the swarm can no longer be managed until it is recovered with "
                       "force-new-cluster. Demote it first (`docker node demote`) instead.")
    return text + ("Demote it first (`docker node demote`) to leave cleanly: forced out, it "
                   f"stays in raft as an unreachable manager ({left} of {managers} reachable, "
                   "fewer failures tolerated) until removed with `docker node rm`.")


def leave_swarm(api: docker.APIClient, force: bool) -> None:
    with docker_errors(leave_cli(force),
                        "A manager can only leave with force; demote it first if you can"):
        api.leave_swarm(force=force)


# ----------------------------------------------------------------------------- force-new-cluster


def force_new_cluster_cli(advertise_addr: str | None, listen_addr: str = "0.0.0.0:2377") -> str:
    args = ["docker", "swarm", "init", "--force-new-cluster"]
    if advertise_addr:
        args += ["--advertise-addr", advertise_addr]
    if listen_addr != "0.0.0.0:2377":
        args += ["--listen-addr", listen_addr]
    return shlex.join(args)


FORCE_NEW_CLUSTER_CONSEQUENCES = (
    "Run this only when the swarm has lost its quorum for good (most managers gone). The "
    "chosen manager becomes the single manager of a swarm that keeps its services, "
    "networks, secrets and configs, and the workers; every other manager is dropped from "
    "raft and must leave and re-join (or be removed). Anything a lost manager accepted "
    "but never replicated is gone. Afterwards promote workers or join new managers to "
    "get back to 3 or 5 managers."
)


def force_new_cluster(api_on_manager: docker.APIClient, advertise_addr: str | None = None,
                      listen_addr: str = "0.0.0.0:2377") -> str:
    """`docker swarm init --force-new-cluster` on the chosen manager; returns its node ID."""
    with docker_errors(force_new_cluster_cli(advertise_addr, listen_addr),
                        "Run it on a node that was a manager of this swarm"):
        return str(api_on_manager.init_swarm(advertise_addr=advertise_addr,
                                             listen_addr=listen_addr, force_new_cluster=True))
