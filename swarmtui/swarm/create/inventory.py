"""What the create/change operations need to know about the cluster: lookups on a snapshot.

The cluster model is one: :class:`~swarmtui.swarm.state.ClusterSnapshot`. An
:class:`Inventory` is the guards' read-only view of one — networks (names,
scopes, subnets), services (specs, what they use), nodes, tasks, secrets and
configs as sequences, with the lookups by name or ID the CLI resolves. It is
made from the store's snapshot (:meth:`Inventory.of`, cached per snapshot) or,
inside an operation's apply, from fresh list calls (:meth:`Inventory.read`,
``fetch.list_kind``: one call per kind), so guards stay pure functions of it.

Secret data never enters this module: the Engine API does not return it, and
the snapshot keeps no data for configs either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from typing import Any

from swarmtui.swarm import fetch
from swarmtui.swarm.models import STACK_LABEL, ApiDict, Network, Node, Service
from swarmtui.swarm.state import ClusterSnapshot, StoredObjectModel
from swarmtui.swarm.task_model import Task

#: A secret or a config as listed by a manager — name, id, labels, never its data.
StoredObject = StoredObjectModel

__all__ = ["STACK_LABEL", "Inventory", "StoredObject"]


def _refs(service: Service, kind: str) -> list[ApiDict]:
    tt = service.spec.get("TaskTemplate") or {}
    cs = tt.get("ContainerSpec") or {}
    refs = cs.get("Secrets" if kind == "secret" else "Configs") or []
    return [r for r in refs if isinstance(r, dict)]


class Inventory:
    """Networks, services, nodes, tasks, secrets and configs of one snapshot."""

    def __init__(self, snapshot: ClusterSnapshot | None = None, *,
                 has_objects: bool = True) -> None:
        #: the snapshot this is a view of
        self.snapshot = snapshot if snapshot is not None else ClusterSnapshot()
        #: secrets and configs were listed (else a guard cannot tell what is in use)
        self.has_objects = has_objects

    # ------------------------------------------------------------------ building
    @classmethod
    def from_api(
        cls,
        *,
        networks: Iterable[ApiDict] = (),
        services: Iterable[ApiDict] = (),
        nodes: Iterable[ApiDict] = (),
        tasks: Iterable[ApiDict] = (),
        secrets: Iterable[ApiDict] | None = None,
        configs: Iterable[ApiDict] | None = None,
    ) -> Inventory:
        snap = ClusterSnapshot.from_api(networks=networks, services=services, nodes=nodes,
                                        tasks=tasks, secrets=secrets or (),
                                        configs=configs or ())
        return cls(snap, has_objects=secrets is not None or configs is not None)

    @classmethod
    def read(cls, api: Any, *, tasks: bool = True) -> Inventory:
        """One list call per kind on a manager (blocking docker.APIClient); raises FetchError."""
        def listed(kind: str) -> list[ApiDict]:
            return fetch.list_kind(api, kind)

        return cls(ClusterSnapshot.from_api(
            networks=listed("networks"), services=listed("services"), nodes=listed("nodes"),
            tasks=listed("tasks") if tasks else (), secrets=listed("secrets"),
            configs=listed("configs")))

    @classmethod
    def of(cls, snapshot: ClusterSnapshot | Inventory) -> Inventory:
        """The view of the domain's snapshot (made once per snapshot), or an Inventory itself."""
        if isinstance(snapshot, Inventory):
            return snapshot
        return snapshot.memo("inventory", lambda: cls(snapshot))

    def with_objects(self, secrets: Iterable[ApiDict], configs: Iterable[ApiDict]) -> Inventory:
        """This inventory with secrets and configs as listed by the API."""
        snap = ClusterSnapshot.from_api(secrets=secrets, configs=configs)
        return Inventory(replace(self.snapshot, secrets=snap.secrets, configs=snap.configs))

    # ------------------------------------------------------------------ contents
    @cached_property
    def networks(self) -> tuple[Network, ...]:
        return tuple(self.snapshot.networks.values())

    @cached_property
    def services(self) -> tuple[Service, ...]:
        return tuple(self.snapshot.services.values())

    @cached_property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(self.snapshot.nodes.values())

    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(self.snapshot.tasks.values())

    @cached_property
    def secrets(self) -> tuple[StoredObject, ...]:
        return tuple(self.snapshot.secrets.values())

    @cached_property
    def configs(self) -> tuple[StoredObject, ...]:
        return tuple(self.snapshot.configs.values())

    # ------------------------------------------------------------------ lookups
    def network(self, name_or_id: str) -> Network | None:
        """By exact name, else by full or unique-prefix ID (as the CLI resolves)."""
        for n in self.networks:
            if n.name == name_or_id:
                return n
        for n in self.networks:
            if n.id == name_or_id:
                return n
        hits = [n for n in self.networks if len(name_or_id) >= 3 and n.id.startswith(name_or_id)]
        return hits[0] if len(hits) == 1 else None

    def names_by_id(self) -> dict[str, str]:
        """Network, secret and config names by ID (a spec diff names them, not their IDs)."""
        out = {n.id: n.name for n in self.networks}
        out.update({o.id: o.name for o in (*self.secrets, *self.configs)})
        return out

    def network_name(self, ident: str) -> str:
        n = self.network(ident)
        return n.name if n else ident

    def service(self, name_or_id: str) -> Service | None:
        for s in self.services:
            if name_or_id in (s.name, s.id):
                return s
        hits = [s for s in self.services if len(name_or_id) >= 3 and s.id.startswith(name_or_id)]
        return hits[0] if len(hits) == 1 else None

    def secret(self, name_or_id: str) -> StoredObject | None:
        return _find(self.secrets, name_or_id)

    def config(self, name_or_id: str) -> StoredObject | None:
        return _find(self.configs, name_or_id)

    def stored(self, kind: str, name_or_id: str) -> StoredObject | None:
        return self.secret(name_or_id) if kind == "secret" else self.config(name_or_id)

    # ------------------------------------------------------------------ who uses what
    def services_on_network(self, network: Network) -> list[str]:
        """Names of services whose tasks attach to `network` (`Service.network_ids`: the
        rule the Networks pane uses too)."""
        by_name = {n.name: n.id for n in self.networks}
        return sorted(s.name for s in self.services if network.id in s.network_ids(by_name))

    def services_using(self, obj: StoredObject) -> list[str]:
        """Names of services that mount this secret or config."""
        users = []
        for s in self.services:
            for ref in _refs(s, obj.kind):
                ident = ref.get("SecretID" if obj.kind == "secret" else "ConfigID")
                name = ref.get("SecretName" if obj.kind == "secret" else "ConfigName")
                if obj.id == ident or obj.name == name:
                    users.append(s.name)
                    break
        return sorted(users)

    def published_ports(self) -> dict[tuple[int, str], str]:
        """(published port, protocol) → service name, for ingress ports in use."""
        used: dict[tuple[int, str], str] = {}
        for s in self.services:
            for p in s.ports:
                if p.published and p.mode == "ingress":
                    used[(p.published, p.protocol)] = s.name
        return used

    def active_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.availability == "active" and n.state == "ready"]

    def tasks_of(self, service_id: str) -> list[Task]:
        return [t for t in self.tasks if t.service_id == service_id]


def _find(objs: Iterable[StoredObject], name_or_id: str) -> StoredObject | None:
    objs = tuple(objs)
    for o in objs:
        if o.name == name_or_id:
            return o
    for o in objs:
        if o.id == name_or_id:
            return o
    hits = [o for o in objs if len(name_or_id) >= 3 and o.id.startswith(name_or_id)]
    return hits[0] if len(hits) == 1 else None
