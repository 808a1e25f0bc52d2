"""Crafted API dicts for the create/change unit tests (helpers only; no tests here).

Named test_create_* to live among the files this part of the project owns."""

from __future__ import annotations

from typing import Any

from swarmtui.swarm.create.inventory import Inventory


def network(name: str, ident: str, *, driver: str = "overlay", scope: str = "swarm",
            subnet: str | None = None, ingress: bool = False,
            labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "Name": name, "Id": ident, "Driver": driver, "Scope": scope, "Ingress": ingress,
        "IPAM": {"Config": [{"Subnet": subnet}] if subnet else []}, "Labels": labels or {},
    }


def service(name: str, ident: str, spec_extra: dict[str, Any] | None = None, *,
            image: str = "busybox:latest", ports: list[dict[str, Any]] | None = None,
            networks: list[str] | None = None, labels: dict[str, str] | None = None,
            secrets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    cs: dict[str, Any] = {"Image": image}
    if secrets:
        cs["Secrets"] = secrets
    spec: dict[str, Any] = {
        "Name": name,
        "Labels": labels or {},
        "TaskTemplate": {"ContainerSpec": cs},
        "Mode": {"Replicated": {"Replicas": 1}},
    }
    if networks:
        spec["TaskTemplate"]["Networks"] = [{"Target": n} for n in networks]
    if ports:
        spec["EndpointSpec"] = {"Mode": "vip", "Ports": ports}
    spec.update(spec_extra or {})
    return {"ID": ident, "Version": {"Index": 10}, "Spec": spec,
            "Endpoint": {"Ports": ports or []}}


def node(hostname: str, ident: str, *, role: str = "worker", availability: str = "active",
         state: str = "ready", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "ID": ident,
        "Spec": {"Role": role, "Availability": availability, "Labels": labels or {}},
        "Description": {"Hostname": hostname, "Platform": {"OS": "linux",
                                                           "Architecture": "x86_64"}},
        "Status": {"State": state, "Addr": "10.0.0.1"},
    }


def secret(name: str, ident: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"ID": ident, "Version": {"Index": 3}, "CreatedAt": "2026-01-01T00:00:00Z",
            "Spec": {"Name": name, "Labels": labels or {}}}


def cluster() -> Inventory:
    """appnet (overlay 10.0.9.0/24), backend (overlay), bridge, ingress; service api on
    appnet publishing 8080; three nodes (one manager); secret db_pw used by api."""
    return Inventory.from_api(
        networks=[
            network("appnet", "net-appnet-0001", subnet="10.0.9.0/24"),
            network("backend", "net-backend-002", subnet="10.0.10.0/24"),
            network("bridge", "net-bridge-0003", driver="bridge", scope="local",
                    subnet="172.17.0.0/16"),
            network("ingress", "net-ingress-004", subnet="10.0.0.0/24", ingress=True),
        ],
        services=[
            service("api", "svc-api-000001", networks=["net-appnet-0001"],
                    ports=[{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080,
                            "PublishMode": "ingress"}],
                    secrets=[{"SecretID": "sec-dbpw-00001", "SecretName": "db_pw",
                              "File": {"Name": "db_pw", "UID": "0", "GID": "0",
                                       "Mode": 292}}]),
        ],
        nodes=[
            node("node1", "node-1", role="manager"),
            node("node2", "node-2", labels={"zone": "east"}),
            node("node3", "node-3", labels={"zone": "west"}),
        ],
        secrets=[secret("db_pw", "sec-dbpw-00001"), secret("unused", "sec-unused-0002")],
        configs=[],
    )
