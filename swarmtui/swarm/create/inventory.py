"""What the create/change operations need to know about the cluster.

An :class:`Inventory` is a plain, read-only view of the objects a guard checks
against: networks (names, scopes, subnets), services (specs, what they use),
nodes, tasks, secrets and configs. It is built either from one list call per
kind (:meth:`Inventory.read`) or from the domain's cluster snapshot
(:meth:`Inventory.of`), so guards stay pure functions of it.

Secret data never enters this module: the Engine API does not return it, and
:class:`StoredObject` keeps no data for configs either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from swarmtui.swarm.models import Network, Node, Service, Task

ApiDict = dict[str, Any]
STACK_LABEL = "com.docker.stack.namespace"


@dataclass(frozen=True)
class StoredObject:
    """A secret or a config as listed by a manager — name, id, labels, never its data."""

    #: "secret" or "config"
    kind: str
    id: str
    name: str
    labels: dict[str, str]
    version: int
    created_at: str

    @classmethod
    def from_api(cls, kind: str, d: ApiDict) -> StoredObject:
        spec = d.get("Spec") if isinstance(d.get("Spec"), dict) else {}
        assert isinstance(spec, dict)
        labels = spec.get("Labels") if isinstance(spec.get("Labels"), dict) else {}
        assert isinstance(labels, dict)
        version = d.get("Version") if isinstance(d.get("Version"), dict) else {}
        assert isinstance(version, dict)
        return cls(
            kind=kind,
            id=str(d.get("ID") or ""),
            name=str(spec.get("Name") or ""),
            labels={str(k): str(v) for k, v in labels.items()},
            version=int(version.get("Index") or 0),
            created_at=str(d.get("CreatedAt") or ""),
        )

    @property
    def stack(self) -> str | None:
        return self.labels.get(STACK_LABEL)


def _refs(service: Service, kind: str) -> list[ApiDict]:
    tt = service.spec.get("TaskTemplate") or {}
    cs = tt.get("ContainerSpec") or {}
    refs = cs.get("Secrets" if kind == "secret" else "Configs") or []
    return [r for r in refs if isinstance(r, dict)]


@dataclass(frozen=True)
class Inventory:
    """Networks, services, nodes, tasks, secrets and configs at one moment."""

    networks: tuple[Network, ...] = ()
    services: tuple[Service, ...] = ()
    nodes: tuple[Node, ...] = ()
    tasks: tuple[Task, ...] = ()
    secrets: tuple[StoredObject, ...] = ()
    configs: tuple[StoredObject, ...] = ()
    #: secrets and configs were listed (the domain snapshot does not carry them)
    has_objects: bool = False

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
        return cls(
            networks=tuple(Network.from_api(n) for n in networks),
            services=tuple(Service.from_api(s) for s in services),
            nodes=tuple(Node.from_api(n) for n in nodes),
            tasks=tuple(Task.from_api(t) for t in tasks),
            secrets=tuple(StoredObject.from_api("secret", s) for s in secrets or ()),
            configs=tuple(StoredObject.from_api("config", c) for c in configs or ()),
            has_objects=secrets is not None or configs is not None,
        )

    @classmethod
    def read(cls, api: Any, *, tasks: bool = True) -> Inventory:
        """One list call per kind on a manager (blocking docker.APIClient)."""
        return cls.from_api(
            networks=api.networks(),
            services=api.services(status=True),
            nodes=api.nodes(),
            tasks=api.tasks() if tasks else (),
            secrets=api.secrets(),
            configs=api.configs(),
        )

    @classmethod
    def of(cls, snapshot: Any) -> Inventory:
        """An Inventory from the domain's snapshot (duck-typed) or an Inventory itself."""
        if isinstance(snapshot, Inventory):
            return snapshot

        def seq(name: str) -> tuple[Any, ...]:
            value = getattr(snapshot, name, ())
            if isinstance(value, Mapping):
                value = value.values()
            return tuple(value or ())

        def objs(name: str, kind: str) -> tuple[StoredObject, ...]:
            out = []
            for o in seq(name):
                if isinstance(o, StoredObject):
                    out.append(o)
                elif isinstance(o, dict):
                    out.append(StoredObject.from_api(kind, o))
                elif hasattr(o, "raw"):
                    out.append(StoredObject.from_api(kind, o.raw))
            return tuple(out)

        return cls(
            networks=seq("networks"),
            services=seq("services"),
            nodes=seq("nodes"),
            tasks=seq("tasks"),
            secrets=objs("secrets", "secret"),
            configs=objs("configs", "config"),
            has_objects=hasattr(snapshot, "secrets") or hasattr(snapshot, "configs"),
        )

    def with_objects(self, secrets: Iterable[ApiDict], configs: Iterable[ApiDict]) -> Inventory:
        """This inventory with secrets and configs as listed by the API."""
        return replace(
            self,
            secrets=tuple(StoredObject.from_api("secret", s) for s in secrets),
            configs=tuple(StoredObject.from_api("config", c) for c in configs),
            has_objects=True,
        )

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
        """Names of services whose tasks attach to `network` (by ID or name in the spec)."""
        return sorted(
            s.name for s in self.services if network.id in s.networks or network.name in s.networks
        )

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
