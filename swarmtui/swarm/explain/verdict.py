"""After a change timed out: will the service get there by itself, and if not, what to do.

The progress view waits a set time for a change to converge. When the time is up, "the
cluster may still get there" is only true of causes that can pass by themselves (a task
still starting, a node that may come back, the engine's own "pending" while the snapshot
shows a node that could take it). An image no node has, a secret that is gone, a
constraint no node meets … never pass: the service will not converge until someone
changes something, and the verdict says what.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from swarmtui.swarm.explain.causes import Explanation, explain_service
from swarmtui.swarm.models import Service
from swarmtui.swarm.state import ClusterSnapshot

#: Explanation.kind → what the admin does about it (the app's key first, then the CLI)
REMEDY = {
    "image": ("set an image the nodes have or can pull (u on Services: docker service "
              "update --image IMAGE {name}), or load it on the nodes (docker load)"),
    "secret": "create the secret or config again, or edit the service without it (e)",
    "constraint": ("change the constraint (e on Services) or give a node the label "
                   "(L on Nodes: docker node update --label-add KEY=VALUE NODE)"),
    "resources": "lower the reservation (e on Services) or free memory/CPU on a node",
    "platform": "set an image built for the nodes' platform (u on Services)",
    "port": ("publish another port, or in ingress mode (e on Services), or move the "
             "service that holds it"),
    "max-per-node": ("raise the max per node (e on Services), add nodes, or scale down "
                     "(ctrl+s)"),
    "exit": ("read why it exits (l on the task: its container's logs) and fix the "
             "command or the image (e / u on Services)"),
}

#: causes that can pass with no one doing anything: the cluster may still get there
MAY_PASS = frozenset({"pending", "starting", "no-node", "update"})


@dataclass(frozen=True)
class Verdict:
    """One service that will not converge by itself."""

    service: str
    cause: Explanation

    @property
    def text(self) -> str:
        return f"{self.service} will not converge: {self.cause.text}"

    @property
    def remedy(self) -> str:
        return REMEDY.get(self.cause.kind, "").replace("{name}", self.service)


def verdicts(snap: ClusterSnapshot, services: Iterable[Service], now: datetime
             ) -> list[Verdict]:
    """The services among `services` whose cause will not pass by itself."""
    out = []
    for svc in services:
        cause = explain_service(snap, svc, now)
        if cause is not None and cause.kind not in MAY_PASS and cause.kind in REMEDY:
            out.append(Verdict(svc.name, cause))
    return out


def services_of(snap: ClusterSnapshot, kind: str, ids: Iterable[str],
                labels: Iterable[str]) -> list[Service]:
    """The services a change is about: by ID, else by name (a service created by name),
    or every service of a stack (kind "stack")."""
    ids, labels = set(ids), set(labels)
    if kind == "stack":
        return [s for s in snap.services.values() if s.stack in labels]
    if kind != "service":
        return []
    return [s for s in snap.services.values() if s.id in ids or s.name in labels]
