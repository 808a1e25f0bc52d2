"""What a compose file plans, in Swarm terms (`StackPlan` and its planned services,
networks, secrets and configs), and `ComposeContext`, the state shared while one file
is planned (declarations, what the services use, the stack's names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarmtui.swarm.models import ApiDict

IMAGE_LABEL = "com.docker.stack.image"


@dataclass
class PlannedService:
    #: the name in the compose file ("web")
    short: str
    #: the swarm service name ("STACK_web")
    name: str
    #: ServiceSpec with secret/config IDs left empty (filled at deploy time)
    spec: ApiDict


@dataclass
class PlannedNetwork:
    short: str
    name: str
    external: bool
    #: keyword arguments for APIClient.create_network (None when external)
    create: dict[str, Any] | None = None


@dataclass
class PlannedObject:
    kind: str
    short: str
    name: str
    external: bool
    #: where the data comes from, in words ("file ./db_password.txt"); never the data
    source: str = ""
    path: Path | None = None
    #: inline content (configs `content:`) or an environment variable's value
    inline: bytes | None = field(default=None, repr=False)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class StackPlan:
    """Everything a compose file asks for, in Swarm terms."""

    stack: str
    path: Path | None
    services: list[PlannedService] = field(default_factory=list)
    networks: list[PlannedNetwork] = field(default_factory=list)
    secrets: list[PlannedObject] = field(default_factory=list)
    configs: list[PlannedObject] = field(default_factory=list)
    #: compose features Swarm ignores (or that swarmtui does not apply), per service
    warnings: list[str] = field(default_factory=list)
    #: problems that stop the deploy
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------- helpers


class ComposeContext:
    def __init__(self, stack: str, base: Path, plan: StackPlan, env: Mapping[str, str]) -> None:
        self.stack = stack
        self.base = base
        self.plan = plan
        self.env = env
        self.networks_decl: dict[str, Any] = {}
        self.secrets_decl: dict[str, Any] = {}
        self.configs_decl: dict[str, Any] = {}
        self.volumes_decl: dict[str, Any] = {}
        self.used_networks: set[str] = set()
        self.used_secrets: set[str] = set()
        self.used_configs: set[str] = set()

    def scoped(self, short: str) -> str:
        return f"{self.stack}_{short}"

    def declared_name(self, decls: dict[str, Any], short: str) -> str:
        """The engine's name of a top-level network/secret/config `short`: its `name:`,
        an external one's own name, else scoped to the stack (`STACK_short`)."""
        decl = decls.get(short) or {}
        if isinstance(decl, dict):
            if decl.get("name"):
                return str(decl["name"])
            ext = decl.get("external")
            if isinstance(ext, dict) and ext.get("name"):
                return str(ext["name"])
            if ext:
                return short
        return self.scoped(short)

    def network_name(self, short: str) -> str:
        return self.declared_name(self.networks_decl, short)

    def object_name(self, kind: str, short: str) -> str:
        return self.declared_name(self.secrets_decl if kind == "secret" else self.configs_decl,
                                  short)
