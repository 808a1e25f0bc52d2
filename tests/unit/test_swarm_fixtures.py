"""Small API-shaped dicts for pure-logic tests of swarmtui.swarm (no sockets; no tests here)."""

from __future__ import annotations

from typing import Any

from swarmtui.swarm.state import ClusterSnapshot

TS = "2026-11-22T03:02:31.236754518Z"


def node(
    nid: str,
    hostname: str,
    *,
    role: str = "worker",
    state: str = "ready",
    availability: str = "active",
    reach: str | None = None,
    leader: bool = False,
    labels: dict[str, str] | None = None,
    addr: str = "10.0.0.1",
    version: int = 10,
) -> dict[str, Any]:
    d: dict[str, Any] = {
        "ID": nid,
        "Version": {"Index": version},
        "CreatedAt": TS,
        "UpdatedAt": TS,
        "Spec": {"Labels": labels or {}, "Role": role, "Availability": availability},
        "Description": {
            "Hostname": hostname,
            "Platform": {"Architecture": "x86_64", "OS": "linux"},
            "Engine": {"EngineVersion": "20.10.24+dfsg1"},
        },
        "Status": {"State": state, "Addr": addr},
    }
    if role == "manager":
        d["ManagerStatus"] = {
            "Leader": leader,
            "Reachability": reach or "reachable",
            "Addr": f"{addr}:2377",
        }
    return d


def service(
    sid: str,
    name: str,
    *,
    replicas: int | None = 1,
    running: int | None = None,
    glob: bool = False,
    constraints: list[str] | None = None,
    labels: dict[str, str] | None = None,
    ports: list[dict[str, Any]] | None = None,
    update: dict[str, Any] | None = None,
    image: str = "busybox:latest",
) -> dict[str, Any]:
    mode: dict[str, Any] = {"Global": {}} if glob else {"Replicated": {"Replicas": replicas}}
    d: dict[str, Any] = {
        "ID": sid,
        "Version": {"Index": 20},
        "CreatedAt": TS,
        "UpdatedAt": TS,
        "Spec": {
            "Name": name,
            "Labels": labels or {},
            "TaskTemplate": {
                "ContainerSpec": {"Image": image},
                "Placement": {"Constraints": constraints} if constraints else {},
            },
            "Mode": mode,
        },
        "Endpoint": {"Ports": ports} if ports else {"Spec": {}},
        "ServiceStatus": {
            "RunningTasks": running if running is not None else (replicas or 0),
            "DesiredTasks": replicas or 0,
            "CompletedTasks": 0,
        },
    }
    if update:
        d["UpdateStatus"] = update
    return d


def task(
    tid: str,
    sid: str,
    *,
    slot: int | None = 1,
    node_id: str | None = "n1",
    state: str = "running",
    desired: str = "running",
    err: str = "",
    exit_code: int | None = None,
    created: str = TS,
    version: int = 30,
) -> dict[str, Any]:
    status: dict[str, Any] = {"Timestamp": TS, "State": state, "Message": state}
    if err:
        status["Err"] = err
    if exit_code is not None or state == "running":
        status["ContainerStatus"] = {"ContainerID": "c" + tid, "ExitCode": exit_code or 0}
    d: dict[str, Any] = {
        "ID": tid,
        "Version": {"Index": version},
        "CreatedAt": created,
        "ServiceID": sid,
        "Status": status,
        "DesiredState": desired,
        "Spec": {"ContainerSpec": {"Image": "busybox:latest@sha256:abc"}},
    }
    if slot is not None:
        d["Slot"] = slot
    if node_id:
        d["NodeID"] = node_id
    return d


def info(node_id: str = "n1", manager: bool = True, state: str = "active") -> dict[str, Any]:
    return {
        "Name": "node1",
        "Swarm": {
            "NodeID": node_id,
            "LocalNodeState": state,
            "ControlAvailable": manager,
            "RemoteManagers": [{"NodeID": "n1", "Addr": "10.0.0.1:2377"}],
        },
    }


def snap(
    nodes: list[dict[str, Any]] | None = None,
    services: list[dict[str, Any]] | None = None,
    tasks: list[dict[str, Any]] | None = None,
    networks: list[dict[str, Any]] | None = None,
) -> ClusterSnapshot:
    return ClusterSnapshot.from_api(
        nodes=nodes or [],
        services=services or [],
        tasks=tasks or [],
        networks=networks or [],
        info=info(),
        swarm={
            "ID": "c1",
            "Spec": {"Name": "default"},
            "JoinTokens": {"Worker": "SWMTKN-1-abc-def"},
        },
    )


def cluster(
    managers: int, unreachable: int = 0, workers: int = 2, down: int = 0
) -> list[dict[str, Any]]:
    """managers m1..mN (m1 the leader; the last `unreachable` ones Unreachable and down),
    workers w1..wK (the last `down` ones Down)."""
    out = []
    for i in range(1, managers + 1):
        bad = i > managers - unreachable
        out.append(
            node(
                f"m{i}",
                f"mgr{i}",
                role="manager",
                leader=(i == 1 and not bad),
                reach="unreachable" if bad else "reachable",
                state="down" if bad else "ready",
            )
        )
    for i in range(1, workers + 1):
        out.append(node(f"w{i}", f"wrk{i}", state="down" if i > workers - down else "ready"))
    return out
