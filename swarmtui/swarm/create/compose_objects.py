"""A compose file's top-level networks, secrets and configs → planned networks (keyword
arguments for `create_network`) and planned secrets/configs (where their data comes from).
"""

from __future__ import annotations

from typing import Any

from swarmtui.swarm.create.compose_plan import ComposeContext, PlannedNetwork, PlannedObject
from swarmtui.swarm.create.compose_values import label_map
from swarmtui.swarm.create.inventory import STACK_LABEL
from swarmtui.swarm.models import ApiDict

# --------------------------------------------------------------------- top level


def plan_networks(ctx: ComposeContext) -> None:
    for short in sorted(ctx.used_networks | set(ctx.networks_decl)):
        decl = ctx.networks_decl.get(short) or {}
        if not isinstance(decl, dict):
            ctx.plan.errors.append(f"network {short}: must be a mapping")
            continue
        name = ctx.network_name(short)
        if decl.get("external"):
            ctx.plan.networks.append(PlannedNetwork(short, name, True))
            continue
        driver = str(decl.get("driver") or "overlay")
        if driver != "overlay":
            ctx.plan.warnings.append(f"network {short}: driver {driver}: Swarm services need "
                                     "overlay networks; deploying it will likely fail")
        kwargs: dict[str, Any] = {
            "name": name, "driver": driver, "scope": "swarm",
            "labels": {**label_map(decl.get("labels")), STACK_LABEL: ctx.stack},
            "attachable": bool(decl.get("attachable")),
            "internal": bool(decl.get("internal")),
        }
        if decl.get("driver_opts"):
            kwargs["options"] = {str(k): str(v) for k, v in decl["driver_opts"].items()}
        ipam = decl.get("ipam") or {}
        if isinstance(ipam, dict) and ipam.get("config"):
            pools = []
            for c in ipam["config"]:
                pool: ApiDict = {}
                if c.get("subnet"):
                    pool["Subnet"] = str(c["subnet"])
                if c.get("gateway"):
                    pool["Gateway"] = str(c["gateway"])
                pools.append(pool)
            kwargs["ipam"] = {"Driver": str(ipam.get("driver") or "default"), "Config": pools,
                              "Options": {}}
        ctx.plan.networks.append(PlannedNetwork(short, name, False, kwargs))


def plan_objects(ctx: ComposeContext, kind: str) -> None:
    decls = ctx.secrets_decl if kind == "secret" else ctx.configs_decl
    target = ctx.plan.secrets if kind == "secret" else ctx.plan.configs
    for short, decl in sorted(decls.items()):
        if not isinstance(decl, dict):
            ctx.plan.errors.append(f"{kind} {short}: must be a mapping")
            continue
        name = ctx.object_name(kind, short)
        labels = {**label_map(decl.get("labels")), STACK_LABEL: ctx.stack}
        if decl.get("external"):
            target.append(PlannedObject(kind, short, name, True, "external"))
            continue
        if decl.get("file"):
            path = (ctx.base / str(decl["file"])).expanduser()
            if not path.is_file():
                ctx.plan.errors.append(f"{kind} {short}: file {path} does not exist")
            target.append(PlannedObject(kind, short, name, False, f"file {decl['file']}",
                                        path=path, labels=labels))
        elif decl.get("environment"):
            var = str(decl["environment"])
            if var not in ctx.env:
                ctx.plan.errors.append(f"{kind} {short}: environment variable {var} is not set")
            target.append(PlannedObject(kind, short, name, False, f"environment variable {var}",
                                        inline=ctx.env.get(var, "").encode(), labels=labels))
        elif kind == "config" and decl.get("content") is not None:
            target.append(PlannedObject(kind, short, name, False, "inline content",
                                        inline=str(decl["content"]).encode(), labels=labels))
        else:
            ctx.plan.errors.append(f"{kind} {short}: give file: (or external: true)")
