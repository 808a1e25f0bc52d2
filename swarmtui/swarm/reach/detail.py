"""A node's own view, from its engine over the pool: containers (swarm and not), images,
`docker system df`, kernel and engine versions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import docker.errors

from swarmtui.connect.errors import ConnectError
from swarmtui.connect.nodes import NodePool


@dataclass(frozen=True)
class NodeContainer:
    id: str
    name: str
    image: str
    state: str  # running, exited, …
    status: str  # "Up 3 minutes"
    task: str  # the swarm task name (service.slot), "" for a container of its own


@dataclass(frozen=True)
class DiskUse:
    kind: str  # Images, Containers, Local Volumes, Build Cache
    count: int
    bytes: int
    reclaimable: int


@dataclass(frozen=True)
class NodeDetail:
    hostname: str
    kernel: str
    os: str
    engine: str
    containers: tuple[NodeContainer, ...]
    images: int
    disk: tuple[DiskUse, ...]

    @property
    def cli(self) -> str:
        return (f"ssh {self.hostname} docker ps -a; ssh {self.hostname} docker system df; "
                f"ssh {self.hostname} docker version")


def _task_name(labels: dict[str, str]) -> str:
    service = labels.get("com.docker.swarm.service.name", "")
    name = labels.get("com.docker.swarm.task.name", "")
    if not service:
        return ""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) >= 3 else name or service


def read_detail(api: Any, hostname: str) -> NodeDetail:
    """Blocking: from the node's own engine."""
    info = api.info()
    version = api.version()
    containers = tuple(NodeContainer(
        c["Id"], (c.get("Names") or ["?"])[0].lstrip("/"), str(c.get("Image", "")),
        str(c.get("State", "")), str(c.get("Status", "")), _task_name(c.get("Labels") or {}))
        for c in api.containers(all=True))
    df = api.df()
    images = df.get("Images") or []
    vols = df.get("Volumes") or []
    cache = df.get("BuildCache") or []
    ctrs = df.get("Containers") or []
    disk = (
        DiskUse("Images", len(images), int(df.get("LayersSize") or 0),
                sum(int(i.get("Size") or 0) for i in images if not i.get("Containers"))),
        DiskUse("Containers", len(ctrs), sum(int(c.get("SizeRw") or 0) for c in ctrs),
                sum(int(c.get("SizeRw") or 0) for c in ctrs if c.get("State") != "running")),
        DiskUse("Local Volumes", len(vols),
                sum(max(int((v.get("UsageData") or {}).get("Size") or 0), 0) for v in vols),
                sum(max(int((v.get("UsageData") or {}).get("Size") or 0), 0) for v in vols
                    if not (v.get("UsageData") or {}).get("RefCount"))),
        DiskUse("Build Cache", len(cache), sum(int(c.get("Size") or 0) for c in cache),
                sum(int(c.get("Size") or 0) for c in cache if not c.get("InUse"))),
    )
    return NodeDetail(hostname, str(info.get("KernelVersion", "")),
                      str(info.get("OperatingSystem", "")), str(version.get("Version", "")),
                      containers, len(images), disk)


async def node_detail(pool: NodePool, hostname: str, address: str = "") -> NodeDetail:
    api = await pool.engine_api(hostname, address)
    try:
        return await asyncio.to_thread(read_detail, api, hostname)
    except docker.errors.DockerException as exc:
        raise ConnectError(f"{hostname}: reading its engine failed: {exc}") from exc
