"""A compose service's `deploy:` key → the ServiceSpec's mode, resources, restart policy,
placement and update/rollback config.
"""

from __future__ import annotations

from typing import Any

from swarmtui.swarm.create.compose_values import as_int, duration_ns
from swarmtui.swarm.create.service_form import (
    CONSTRAINT_RE,
    constraint_problem,
)
from swarmtui.swarm.create.units import (
    MAX_INT64,
    UnitError,
    parse_cpus,
    parse_size,
)
from swarmtui.swarm.models import ApiDict


def count_value(value: Any, where: str, errors: list[str]) -> int:
    v = as_int(value)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0 or v > MAX_INT64:
        errors.append(f"{where} must be a whole number ≥ 0, not {value!r}"[:300])
        return 0
    return v


def resources_spec(value: Any, where: str, errors: list[str]) -> ApiDict:
    out: ApiDict = {}
    if not isinstance(value, dict):
        return out
    for key, api_key in (("limits", "Limits"), ("reservations", "Reservations")):
        part = value.get(key) or {}
        res: ApiDict = {}
        if part.get("cpus") is not None:
            try:
                res["NanoCPUs"] = parse_cpus(str(part["cpus"]))
            except UnitError as exc:
                errors.append(f"{where}: deploy.resources.{key}.cpus: {exc}")
        if part.get("memory") is not None:
            try:
                res["MemoryBytes"] = parse_size(str(part["memory"]))
            except UnitError as exc:
                errors.append(f"{where}: deploy.resources.{key}.memory: {exc}")
        if res:
            out[api_key] = res
    return out


def restart_spec(value: Any, restart: Any, where: str, errors: list[str], warnings: list[str]
             ) -> ApiDict:
    if isinstance(value, dict):
        cond = str(value.get("condition") or "any")
        if cond not in ("none", "on-failure", "any"):
            errors.append(f"{where}: deploy.restart_policy.condition must be none, on-failure "
                          f"or any, not '{cond}'")
        out: ApiDict = {"Condition": cond}
        for key, api_key in (("delay", "Delay"), ("window", "Window")):
            d = duration_ns(value.get(key), f"{where}: deploy.restart_policy.{key}", errors)
            if d is not None:
                out[api_key] = d
        if value.get("max_attempts") is not None:
            out["MaxAttempts"] = count_value(value["max_attempts"],
                                             f"{where}: deploy.restart_policy.max_attempts", errors)
        return out
    if restart is not None:
        text = "no" if restart is False else str(restart)
        cond_map = {"no": "none", "always": "any", "unless-stopped": "any"}
        if text.startswith("on-failure"):
            out = {"Condition": "on-failure"}
            if ":" in text:
                out["MaxAttempts"] = count_value(text.split(":", 1)[1], f"{where}: restart",
                                                 errors)
        elif text in cond_map:
            out = {"Condition": cond_map[text]}
        else:
            errors.append(f"{where}: restart '{text}' is not no, always, on-failure or "
                          "unless-stopped")
            return {}
        warnings.append(f"{where}: restart: {text} is applied as deploy.restart_policy "
                        f"condition {out['Condition']}")
        return out
    return {}


def placement_spec(value: Any, where: str, errors: list[str]) -> ApiDict:
    if not isinstance(value, dict):
        return {}
    out: ApiDict = {}
    constraints = [str(c) for c in value.get("constraints") or []]
    for c in constraints:
        problem = constraint_problem(c)
        if problem:
            errors.append(f"{where}: deploy.placement.constraints: {problem}")
    if constraints:
        out["Constraints"] = [
            "".join(CONSTRAINT_RE.match(c).groups()) if CONSTRAINT_RE.match(c) else c  # type: ignore[union-attr]
            for c in constraints
        ]
    prefs = []
    for p in value.get("preferences") or []:
        if isinstance(p, dict) and p.get("spread"):
            prefs.append({"Spread": {"SpreadDescriptor": str(p["spread"])}})
        else:
            errors.append(f"{where}: deploy.placement.preferences: write - spread: node.labels.X")
    if prefs:
        out["Preferences"] = prefs
    if value.get("max_replicas_per_node") is not None:
        out["MaxReplicas"] = count_value(value["max_replicas_per_node"],
                                         f"{where}: deploy.placement.max_replicas_per_node", errors)
    return out


def update_config_spec(value: Any, where: str, errors: list[str]) -> ApiDict:
    if not isinstance(value, dict):
        return {}
    out: ApiDict = {"Parallelism": count_value(value.get("parallelism", 1),
                                               f"{where}.parallelism", errors)}
    for key, api_key in (("delay", "Delay"), ("monitor", "Monitor")):
        d = duration_ns(value.get(key), f"{where}.{key}", errors)
        if d is not None:
            out[api_key] = d
    action = value.get("failure_action")
    if action is not None:
        if action not in ("pause", "continue", "rollback"):
            errors.append(f"{where}.failure_action must be pause, continue or rollback")
        out["FailureAction"] = str(action)
    if value.get("max_failure_ratio") is not None:
        try:
            out["MaxFailureRatio"] = float(value["max_failure_ratio"])
        except (TypeError, ValueError):
            errors.append(f"{where}.max_failure_ratio must be a number like 0.1")
    order = value.get("order")
    if order is not None:
        if order not in ("stop-first", "start-first"):
            errors.append(f"{where}.order must be stop-first or start-first")
        out["Order"] = str(order)
    return out
