"""ClusterSnapshot: one consistent-enough picture of the swarm, as seen from one manager.

A snapshot is immutable: a refresh builds a new one (see `fetch.fetch_snapshot`,
`fetch.fetch_kind`, or `ClusterSnapshot.with_kind`; re-lists keep unchanged
objects through the one merge rule, `sync.merge.merge_kind`). Lookups and indexes are
computed once per snapshot on first use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from swarmtui.secrets import redact_obj
from swarmtui.swarm import format as fmt
from swarmtui.swarm.models import STACK_LABEL, ApiDict, Network, Node, Service
from swarmtui.swarm.sync.uiturn import stepping
from swarmtui.swarm.task_model import SpecPool, Task

if TYPE_CHECKING:
    from swarmtui.swarm.reach.stats import NodeStats

KINDS = ("nodes", "services", "tasks", "networks", "secrets", "configs")
T = TypeVar("T")


@dataclass(frozen=True)
class StoredObjectModel:
    """A secret or a config as a manager lists it: name, labels, version — never its data.

    The API never returns a secret's data; a config's ``Spec.Data`` is dropped from
    ``raw`` here, so no snapshot holds the content of either.
    """

    #: "secret" or "config"
    kind: str
    id: str
    name: str
    labels: Mapping[str, str]
    version: int
    created_at: str
    #: the API dict without Spec.Data
    raw: ApiDict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, kind: str, d: ApiDict) -> StoredObjectModel:
        raw = dict(d)
        spec = dict(_dict(raw.get("Spec")))
        spec.pop("Data", None)
        raw["Spec"] = spec
        labels = _dict(spec.get("Labels"))
        return cls(
            kind=kind,
            id=str(raw.get("ID") or ""),
            name=str(spec.get("Name") or ""),
            labels={str(k): str(v) for k, v in labels.items()},
            version=int(_dict(raw.get("Version")).get("Index") or 0),
            created_at=str(raw.get("CreatedAt") or ""),
            raw=raw,
        )

    @property
    def stack(self) -> str | None:
        """The stack it belongs to (com.docker.stack.namespace), None outside a stack."""
        return self.labels.get(STACK_LABEL)


@dataclass(frozen=True)
class ClusterSnapshot:
    """Everything the panes show, keyed by Docker ID.

    ``local_state``/``is_manager`` say whether lists could be made at all: on a
    worker or outside a swarm the dicts are empty and ``message`` explains why.
    """

    nodes: Mapping[str, Node] = field(default_factory=dict)
    services: Mapping[str, Service] = field(default_factory=dict)
    tasks: Mapping[str, Task] = field(default_factory=dict)
    networks: Mapping[str, Network] = field(default_factory=dict)
    #: secrets and configs (names, labels — never data), keyed by ID
    secrets: Mapping[str, StoredObjectModel] = field(default_factory=dict)
    configs: Mapping[str, StoredObjectModel] = field(default_factory=dict)
    #: GET /info, secrets redacted (Swarm.NodeID, LocalNodeState, ControlAvailable, …)
    info: ApiDict = field(default_factory=dict, repr=False)
    #: GET /swarm (inspect) WITHOUT JoinTokens; {} when not a manager
    swarm: ApiDict = field(default_factory=dict, repr=False)
    taken_at: datetime = field(default_factory=fmt.now_utc)
    #: per kind, when it was last listed
    kind_taken_at: Mapping[str, datetime] = field(default_factory=dict)
    #: a plain-words reason the lists are empty (worker, not in a swarm, locked…), else None
    message: str | None = None
    #: node ID → why it is not up, as the node doctor found it over SSH (swarm/reach/watch.py)
    causes: Mapping[str, str] = field(default_factory=dict)
    #: hostname → the node's latest live stats sample over SSH (swarm/reach/stats.py)
    stats: Mapping[str, NodeStats] = field(default_factory=dict, compare=False)

    # ----------------------------------------------------------- construction

    @classmethod
    def from_api(
        cls,
        *,
        nodes: Iterable[ApiDict] = (),
        services: Iterable[ApiDict] = (),
        tasks: Iterable[ApiDict] = (),
        networks: Iterable[ApiDict] = (),
        secrets: Iterable[ApiDict] = (),
        configs: Iterable[ApiDict] = (),
        info: ApiDict | None = None,
        swarm: ApiDict | None = None,
        taken_at: datetime | None = None,
        message: str | None = None,
    ) -> ClusterSnapshot:
        """Build a snapshot from API-shaped dicts (also handy for tests of pure logic)."""
        at = taken_at or fmt.now_utc()
        return cls(
            nodes=build_kind("nodes", nodes),
            services=build_kind("services", services),
            tasks=build_kind("tasks", tasks),
            networks=build_kind("networks", networks),
            secrets=build_kind("secrets", secrets),
            configs=build_kind("configs", configs),
            info=redact_obj(info or {}),
            swarm=redact_obj(swarm or {}),
            taken_at=at,
            kind_taken_at={k: at for k in KINDS},
            message=message,
        )

    def with_kind(
        self, kind: str, objects: Mapping[str, Any], at: datetime | None = None
    ) -> ClusterSnapshot:
        """A new snapshot with one kind replaced (objects already built, keyed by ID)."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        at = at or fmt.now_utc()
        stamps = dict(self.kind_taken_at)
        stamps[kind] = at
        changes: dict[str, Any] = {kind: objects, "kind_taken_at": stamps, "taken_at": at}
        new = replace(self, **changes)
        if objects is getattr(self, kind):
            # the very objects of the last list (sync/merge.py): the indexes still hold;
            # what the clock went into (health's ages, the explanations) is made again
            for key, value in self.__dict__.items():
                if key == "_memo":
                    new.__dict__[key] = {k: v for k, v in value.items() if k in _TIMELESS}
                elif key in _INDEXES:
                    new.__dict__[key] = value
        return new

    def with_stats(self, stats: Mapping[str, NodeStats]) -> ClusterSnapshot:
        """The same snapshot with newer live stats. What was derived from the rest (its
        health, its indexes) still holds, so it is kept rather than computed again."""
        new = replace(self, stats=stats)
        names = {f.name for f in fields(self)}
        for key, value in self.__dict__.items():
            if key not in names:
                new.__dict__[key] = dict(value) if key == "_memo" else value
        return new

    def listed(self, kind: str) -> bool:
        """This kind has been listed (a first view comes before the tasks do)."""
        return kind in self.kind_taken_at

    # ------------------------------------------------------------- engine facts

    @property
    def _swarm_info(self) -> ApiDict:
        v = self.info.get("Swarm")
        return v if isinstance(v, dict) else {}

    @property
    def local_node_id(self) -> str:
        """ID of the node this snapshot was taken through ("" outside a swarm)."""
        return str(self._swarm_info.get("NodeID") or "")

    @property
    def local_state(self) -> str:
        """LocalNodeState: "active", "inactive", "pending", "error" or "locked"."""
        return str(self._swarm_info.get("LocalNodeState") or "inactive")

    @property
    def in_swarm(self) -> bool:
        return self.local_state == "active"

    @property
    def is_manager(self) -> bool:
        """ControlAvailable: the engine we talk to is a manager (lists are possible)."""
        return bool(self._swarm_info.get("ControlAvailable"))

    @property
    def remote_managers(self) -> list[str]:
        """Manager addresses ("host:2377") the engine knows of — where to reconnect/fail over."""
        rm = self._swarm_info.get("RemoteManagers") or []
        return [str(m.get("Addr")) for m in rm if isinstance(m, dict) and m.get("Addr")]

    @property
    def cluster_id(self) -> str:
        return str(self.swarm.get("ID") or _dict(self._swarm_info.get("Cluster")).get("ID") or "")

    @property
    def cluster_name(self) -> str:
        """Swarm spec name (almost always "default")."""
        spec = _dict(self.swarm.get("Spec")) or _dict(
            _dict(self._swarm_info.get("Cluster")).get("Spec")
        )
        return str(spec.get("Name") or "")

    @property
    def autolock(self) -> bool:
        spec = _dict(self.swarm.get("Spec")) or _dict(
            _dict(self._swarm_info.get("Cluster")).get("Spec")
        )
        return bool(_dict(spec.get("EncryptionConfig")).get("AutoLockManagers"))

    @property
    def engine_name(self) -> str:
        """Hostname of the engine we talk to (/info Name)."""
        return str(self.info.get("Name") or "")

    @property
    def engine_version(self) -> str:
        return str(self.info.get("ServerVersion") or "")

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """Compute a derived value once per snapshot (health uses it for failing tasks)."""
        cache: dict[str, Any] = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cast(T, cache[key])

    # ---------------------------------------------------------------- lookups

    def is_live(self, task: Task) -> bool:
        """False for a task of a removed service.

        Tasks of a removed service linger in the API while their containers are
        cleaned up; like `docker service ps`, they are not shown and do not count.
        """
        return task.service_id in self.services

    @cached_property
    def live_tasks(self) -> tuple[Task, ...]:
        """Tasks of services that still exist (see :meth:`is_live`)."""
        return tuple(t for t in self.tasks.values() if self.is_live(t))

    @cached_property
    def _tasks_by_node(self) -> dict[str, list[Task]]:
        out: dict[str, list[Task]] = defaultdict(list)
        for t in self.tasks.values():
            if t.node_id:
                out[t.node_id].append(t)
        return dict(out)

    @cached_property
    def _services_by_name(self) -> dict[str, Service]:
        return {s.name: s for s in self.services.values()}

    @cached_property
    def _nodes_by_hostname(self) -> dict[str, Node]:
        return {n.hostname: n for n in self.nodes.values()}

    def tasks_of_service(self, service_id: str) -> list[Task]:
        """All tasks (history included) of a service, newest first (from `task_slots`, the
        one index of a service's tasks)."""
        return sorted((t for tasks in self.task_slots.get(service_id, {}).values()
                       for t in tasks), key=newest_first)

    def tasks_of_node(self, node_id: str) -> list[Task]:
        """All tasks assigned to a node (history included), newest first."""
        return sorted(self._tasks_by_node.get(node_id, []), key=newest_first)

    def running_tasks_on_node(self, node_id: str) -> list[Task]:
        """Tasks in state running on the node whose desired state is still running."""
        return [t for t in self._tasks_by_node.get(node_id, []) if t.is_running and t.wants_running]

    def running_count(self, node_id: str) -> int:
        """Count for the nodes pane "running tasks" column."""
        return len(self.running_tasks_on_node(node_id))

    def service_by_name(self, name: str) -> Service | None:
        return self._services_by_name.get(name)

    def node_by_hostname(self, hostname: str) -> Node | None:
        return self._nodes_by_hostname.get(hostname)

    def find_node(self, ref: str) -> Node | None:
        """A node by ID, hostname, or unique ID prefix."""
        if ref in self.nodes:
            return self.nodes[ref]
        by_name = self._nodes_by_hostname.get(ref)
        if by_name:
            return by_name
        hits = [n for i, n in self.nodes.items() if i.startswith(ref)]
        return hits[0] if len(hits) == 1 else None

    def find_service(self, ref: str) -> Service | None:
        """A service by ID, name, or unique ID prefix."""
        if ref in self.services:
            return self.services[ref]
        by_name = self._services_by_name.get(ref)
        if by_name:
            return by_name
        hits = [s for i, s in self.services.items() if i.startswith(ref)]
        return hits[0] if len(hits) == 1 else None

    def service_name(self, task: Task) -> str:
        """Name of the task's service ("" if the service is gone)."""
        svc = self.services.get(task.service_id)
        return svc.name if svc else ""

    def node_hostname(self, node_id: str | None) -> str:
        """Hostname of a node ("" when unassigned; the ID when the node is unknown)."""
        if not node_id:
            return ""
        node = self.nodes.get(node_id)
        return node.hostname if node else node_id

    def task_name(self, task: Task) -> str:
        """`docker service ps` NAME: "web.2" / "glob.<node id>" (no history "\\_" prefix)."""
        return fmt.task_name(
            self.service_name(task) or task.service_id[:12], task.slot, task.node_id
        )

    @cached_property
    def task_slots(self) -> dict[str, dict[tuple[str, str], list[Task]]]:
        """Service ID → slot key → the slot's tasks, newest first (every task, live or not):
        the one index health, the explanations and the panes read slots from."""
        out: dict[str, dict[tuple[str, str], list[Task]]] = {}
        for t in self.tasks.values():
            by_slot = out.get(t.service_id)
            if by_slot is None:
                by_slot = out[t.service_id] = {}
            tasks = by_slot.get(t.slot_key)
            if tasks is None:
                by_slot[t.slot_key] = [t]
            else:
                tasks.append(t)
        for by_slot in out.values():
            for tasks in by_slot.values():
                if len(tasks) > 1:
                    tasks.sort(key=newest_first)  # stable: equal keys keep the list order
        return out

    def current_tasks(self, service_id: str) -> list[Task]:
        """The newest task of each slot of a service (what `docker service ps` lists unindented)."""
        return sorted((tasks[0] for tasks in self.task_slots.get(service_id, {}).values()),
                      key=lambda t: (t.slot or 0, t.node_id or ""))

    @cached_property
    def current_task_ids(self) -> frozenset[str]:
        """IDs of the newest task of every slot (the others are history, shown "\\_" by the CLI)."""
        return frozenset(tasks[0].id for by_slot in self.task_slots.values()
                         for tasks in by_slot.values())

    def is_current(self, task: Task) -> bool:
        """True when no newer task replaced this one in its slot."""
        return task.id in self.current_task_ids

    # ---------------------------------------------------------- aggregations

    @cached_property
    def managers(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_manager]

    @cached_property
    def leader(self) -> Node | None:
        return next((n for n in self.nodes.values() if n.is_leader), None)

    @cached_property
    def stacks(self) -> dict[str, list[Service]]:
        """Services grouped by their com.docker.stack.namespace label, names sorted."""
        out: dict[str, list[Service]] = defaultdict(list)
        for s in self.services.values():
            if s.stack:
                out[s.stack].append(s)
        return {k: sorted(v, key=lambda s: s.name) for k, v in sorted(out.items())}

    @cached_property
    def services_on_network(self) -> dict[str, list[Service]]:
        """Network ID → services whose tasks attach to it (`Service.network_ids`)."""
        by_name = {n.name: n.id for n in self.networks.values()}
        out: dict[str, list[Service]] = defaultdict(list)
        for s in self.services.values():
            for nid in s.network_ids(by_name):
                out[nid].append(s)
        return {k: sorted(v, key=lambda s: s.name) for k, v in out.items()}


#: what a snapshot derives from its lists alone (not the clock): kept by `with_kind` when a
#: kind is replaced by the very same objects
_INDEXES = frozenset({"live_tasks", "_tasks_by_node", "_services_by_name", "_nodes_by_hostname",
                      "task_slots", "current_task_ids", "managers",
                      "leader", "stacks", "services_on_network"})
_TIMELESS = frozenset({"health.failing_tasks", "explain.node_free", "explain.sorted_nodes",
                       "explain.ports_taken", "explain.placements"})


def _dict(v: Any) -> ApiDict:
    return v if isinstance(v, dict) else {}


def newest_first(t: Task) -> tuple[float, int]:
    """Sort key of tasks: newest first (creation time, then version index)."""
    return t.newest_key


_BUILDERS: dict[str, Callable[[ApiDict], Any]] = {
    "nodes": Node.from_api,
    "services": Service.from_api,
    "networks": Network.from_api,
    "secrets": lambda d: StoredObjectModel.from_api("secret", d),
    "configs": lambda d: StoredObjectModel.from_api("config", d),
}


def builder(kind: str) -> Callable[[ApiDict], Any]:
    """The model builder for one list of a kind (tasks: their equal specs shared)."""
    if kind == "tasks":
        pool = SpecPool()
        return lambda d: Task.from_api(d, pool)
    return _BUILDERS[kind]


def build_kind(kind: str, items: Iterable[ApiDict]) -> dict[str, Any]:
    """Build models of one kind from API dicts, keyed by ID (see sync.merge for re-lists)."""
    if kind not in KINDS:
        raise KeyError(kind)
    build = builder(kind)
    out: dict[str, Any] = {}
    for d in stepping(items, 64):  # the UI thread's turn first (sync/uiturn.py)
        obj = build(d)
        out[obj.id] = obj
    return out
