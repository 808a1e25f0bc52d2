"""Prune one node: a preview of exactly what would go and the bytes it frees, then apply.

The preview lists by ID: stopped containers (their writable layers), dangling
images no remaining container uses, unused build cache, and — only when
asked — volumes no remaining container mounts. Apply removes exactly those IDs
(not `docker system prune`, which would take whatever appeared meanwhile) and
reports what was removed and freed, and what could not be.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from swarmtui.connect.errors import ConnectError
from swarmtui.connect.nodes import NodePool
from swarmtui.swarm import format as fmt
from swarmtui.swarm.ops.base import DockerAPI, GuardResult, OperationError
from swarmtui.swarm.reach.ops import NodeOperation
from swarmtui.swarm.state import ClusterSnapshot

STOPPED = ("exited", "created", "dead")


@dataclass(frozen=True)
class PruneItem:
    kind: str  # "container", "image", "build cache", "volume"
    id: str
    name: str
    bytes: int


@dataclass(frozen=True)
class PrunePlan:
    hostname: str
    items: tuple[PruneItem, ...]
    volumes: bool  # volumes were considered

    @property
    def bytes(self) -> int:
        return sum(i.bytes for i in self.items)

    def of(self, kind: str) -> list[PruneItem]:
        return [i for i in self.items if i.kind == kind]

    def asked(self, volumes: bool) -> PrunePlan:
        """This plan with its volumes only when asked for (a plan made without them stays
        without them)."""
        if volumes or not self.volumes:
            return self
        return PrunePlan(self.hostname, tuple(i for i in self.items if i.kind != "volume"),
                         False)


@dataclass
class PruneReport:
    removed: list[PruneItem] = field(default_factory=list)
    failed: list[tuple[PruneItem, str]] = field(default_factory=list)
    reclaimed: int = 0  # bytes, as planned for what was removed


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def plan_prune(api: Any, hostname: str, *, volumes: bool = False) -> PrunePlan:
    """Read the node's engine (blocking) and list what a prune would remove."""
    everything = api.containers(all=True, size=True)
    stopped = [c for c in everything if c.get("State") in STOPPED]
    staying = [c for c in everything if c.get("State") not in STOPPED]
    items = [PruneItem("container", c["Id"], (c.get("Names") or ["?"])[0].lstrip("/"),
                       int(c.get("SizeRw") or 0)) for c in stopped]
    used_images = {c.get("ImageID") for c in staying}
    for img in api.images(filters={"dangling": True}):
        if img["Id"] in used_images:
            continue
        items.append(PruneItem("image", img["Id"], img["Id"].removeprefix("sha256:")[:12],
                               int(img.get("Size") or 0)))
    df = api.df()
    for cache in df.get("BuildCache") or []:
        if cache.get("InUse") or cache.get("Shared"):
            continue
        items.append(PruneItem("build cache", cache["ID"],
                               f"{cache.get('Type', '')} {cache.get('Description', '')}".strip(),
                               int(cache.get("Size") or 0)))
    if volumes:
        mounted = {m.get("Name") for c in staying for m in c.get("Mounts") or []
                   if m.get("Type") == "volume"}
        for vol in df.get("Volumes") or []:
            usage = vol.get("UsageData") or {}
            if vol["Name"] in mounted:
                continue
            items.append(PruneItem("volume", vol["Name"], vol["Name"],
                                   max(int(usage.get("Size") or 0), 0)))
    return PrunePlan(hostname, tuple(items), volumes)


def apply_prune(api: Any, plan: PrunePlan) -> PruneReport:
    """Remove exactly the plan's items, containers first (blocking)."""
    import docker.errors  # docker-py on first use (connect/httpget.py)

    report = PruneReport()
    for item in plan.items:
        try:
            if item.kind == "container":
                api.remove_container(item.id)
            elif item.kind == "image":
                api.remove_image(item.id)
            elif item.kind == "build cache":
                api.prune_builds(filters={"id": [item.id]})
            else:
                api.remove_volume(item.id)
        except docker.errors.NotFound:
            report.failed.append((item, "already gone"))
            continue
        except docker.errors.APIError as exc:
            report.failed.append((item, str(exc.explanation or exc)))
            continue
        report.removed.append(item)
        report.reclaimed += item.bytes
    return report


def preview_lines(plan: PrunePlan) -> tuple[str, ...]:
    lines = []
    for kind in ("container", "image", "build cache", "volume"):
        got = plan.of(kind)
        if got:
            size = human_bytes(sum(i.bytes for i in got))
            many = "build cache entries" if kind == "build cache" else None
            lines.append(f"{fmt.count(len(got), kind, many)}, {size}:")
            lines += [f"  {i.name} ({human_bytes(i.bytes)})" for i in got]
    if not lines:
        return (f"nothing to prune on {plan.hostname}",)
    return (*lines, f"frees about {human_bytes(plan.bytes)} on {plan.hostname}"
            + ("" if plan.volumes else " (volumes kept; ask for them explicitly)"))


async def plan_node_prune(pool: NodePool, hostname: str, address: str = "", *,
                          volumes: bool = False) -> PrunePlan:
    api = await pool.engine_api(hostname, address)
    import docker.errors  # loaded by engine_api

    try:
        return await asyncio.to_thread(plan_prune, api, hostname, volumes=volumes)
    except docker.errors.DockerException as exc:
        raise ConnectError(f"{hostname}: reading what to prune failed: {exc}") from exc


async def plan_all_nodes(pool: NodePool, nodes: list[tuple[str, str]], *,
                         volumes: bool = False) -> dict[str, PrunePlan | ConnectError]:
    """Plans for (hostname, address) pairs, concurrently; a node that cannot be read gives
    its error instead of a plan."""
    async def one(hostname: str, address: str) -> PrunePlan | ConnectError:
        try:
            return await plan_node_prune(pool, hostname, address, volumes=volumes)
        except ConnectError as exc:
            return exc

    got = await asyncio.gather(*(one(h, a) for h, a in nodes))
    return {h: g for (h, _), g in zip(nodes, got, strict=True)}


@dataclass(frozen=True)
class PruneTarget:
    """One node to prune: its plan (made with volumes, so asking for them needs no new
    read) and how the pool reaches it."""

    plan: PrunePlan
    address: str
    node_id: str


class PruneNodes(NodeOperation):
    """Remove exactly the previewed items from one node or several (containers, dangling
    images, build cache; volumes only when asked)."""

    name = "prune"
    timeout = 5.0
    follows_cluster = False

    def __init__(self, pool: NodePool, targets: Sequence[PruneTarget], *,
                 volumes: bool = False) -> None:
        first = targets[0]
        super().__init__(pool, first.plan.hostname, first.address, first.node_id)
        self.target_ids = tuple(t.node_id for t in targets)
        self.target_labels = tuple(t.plan.hostname for t in targets)
        self.volumes = volumes
        self.targets = [PruneTarget(t.plan.asked(volumes), t.address, t.node_id)
                        for t in targets]
        #: hostname → what was removed there (set by apply)
        self.reports: dict[str, PruneReport] = {}

    @property
    def plans(self) -> list[PrunePlan]:
        return [t.plan for t in self.targets]

    def _node_cli(self, target: PruneTarget) -> str:
        plan, parts = target.plan, []
        short = {"container": 12, "image": 19}
        for kind, verb in (("container", "docker container rm"), ("image", "docker image rm"),
                           ("volume", "docker volume rm")):
            ids = [i.id.removeprefix("sha256:")[:short.get(kind, 64)] for i in plan.of(kind)]
            if ids:
                parts.append(f"{verb} {' '.join(ids)}")
        cache = plan.of("build cache")
        if cache:
            parts.append("docker builder prune -f " +
                         " ".join(f"--filter id={i.id}" for i in cache))
        if not parts:
            return ""
        return self._ssh(target, parts)

    def _ssh(self, target: PruneTarget, parts: list[str]) -> str:
        try:
            name = self.pool.route(target.plan.hostname, target.address).ssh_name
        except ConnectError:
            name = target.plan.hostname
        return f"ssh {name} '{' && '.join(parts)}'" if len(parts) > 1 else \
            f"ssh {name} {parts[0]}"

    @property
    def cli(self) -> str:
        lines = [line for line in map(self._node_cli, self.targets) if line]
        if not lines:  # not read yet (the read-only notice), or nothing to remove
            lines = [self._ssh(t, ["docker container rm ID…", "docker image rm ID…",
                                   "docker builder prune -f --filter id=ID…"])
                     for t in self.targets]
        return "\n".join(lines)

    def _guard(self, snapshot: ClusterSnapshot, connected_node_id: str | None) -> GuardResult:
        result = GuardResult()
        for target in self.targets:
            if target.node_id and target.node_id not in snapshot.nodes:
                result += GuardResult(blocks=(f"{target.plan.hostname} is no longer a node "
                                              "of the swarm",))
        if not any(p.items for p in self.plans):
            where = ", ".join(self.target_labels)
            return result + GuardResult(blocks=(f"nothing to prune on {where}",))
        preview: list[str] = []
        for plan in self.plans:
            preview += preview_lines(plan)
        if len(self.plans) > 1:
            preview.append(f"in all, about {human_bytes(sum(p.bytes for p in self.plans))} "
                           f"on {len(self.plans)} nodes")
        return result + GuardResult(preview=tuple(preview))

    def apply(self, api: DockerAPI) -> str:
        said = []
        for target in self.targets:
            plan = target.plan
            if not plan.items:
                continue
            try:
                node_api = self.pool.call(self.pool.engine_api(plan.hostname, target.address),
                                          60)
            except ConnectError as exc:
                said.append(f"{plan.hostname}: not reached ({exc})")
                continue
            self.reports[plan.hostname] = report = apply_prune(node_api, plan)
            text = (f"removed {len(report.removed)} of {fmt.count(len(plan.items), 'item')} on "
                    f"{plan.hostname}, about {human_bytes(report.reclaimed)} freed")
            if report.failed:
                text += "; not removed: " + ", ".join(f"{i.name} ({why})"
                                                      for i, why in report.failed)
            said.append(text)
        if not self.reports:
            raise OperationError("; ".join(said) or "nothing was pruned")
        return "; ".join(said)

    def converged(self, snapshot: ClusterSnapshot) -> tuple[bool, str]:
        return True, "done"
