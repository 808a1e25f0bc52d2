"""Compose files → what `docker stack deploy` would create, as Engine API specs.

:func:`load_compose` / :func:`parse_compose` read a compose file (version 3 /
the Compose Specification, the subset Swarm understands) into a
:class:`~swarmtui.swarm.create.compose_plan.StackPlan`: service specs, networks,
secrets and configs, each named ``STACK_name`` and labelled
``com.docker.stack.namespace=STACK`` exactly as the docker CLI does, so
``docker stack ls/services/ps STACK`` see them. Keys Swarm ignores or rejects become
warnings; what cannot work at all (no image, a reference to an undeclared network, a
bad port …) becomes an error naming the service and the key. No I/O other than
reading the file and the files its secrets/configs name.

This module reads the file (YAML, nesting and size limits, `.env` and `${VAR}`
interpolation) and drives the planning: `compose_service` plans each service (its
`deploy:` key in `compose_deploy`), `compose_objects` the top-level networks, secrets
and configs, `compose_values` reads the short-syntax values they share (and `.env` files).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from swarmtui.swarm.create.compose_objects import plan_networks, plan_objects
from swarmtui.swarm.create.compose_plan import ComposeContext, StackPlan
from swarmtui.swarm.create.compose_service import plan_service
from swarmtui.swarm.create.compose_shape import MAX_DEPTH, ShapeError, check_size, check_types
from swarmtui.swarm.create.compose_values import read_env_file
from swarmtui.swarm.create.service_form import (
    SERVICE_NAME_RE,
)
from swarmtui.swarm.ops.validate import InputError, user_path


class _Loader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML 1.1 without sexagesimal ints, so an unquoted port like 22:22 stays a string."""


_INT_TAG = "tag:yaml.org,2002:int"
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != _INT_TAG]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT_TAG,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


class ComposeError(ValueError):
    """The compose file cannot be read at all (not YAML, not a mapping, no services)."""


# --------------------------------------------------------------------- interpolation

_VAR_RE = re.compile(
    r"\$(?:(?P<esc>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value: Any, env: Mapping[str, str], errors: list[str], where: str = "") -> Any:
    """${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, $VAR and $$ in every string."""
    if isinstance(value, str):
        def sub(m: re.Match[str]) -> str:
            if m.group("esc"):
                return "$"
            name = m.group("braced") or m.group("named")
            op, arg = m.group("op"), m.group("arg") or ""
            have = env.get(name)
            if op == ":-":
                return have if have else arg
            if op == "-":
                return have if have is not None else arg
            if op in (":?", "?") and ((op == ":?" and not have) or have is None):
                errors.append(f"{where}: variable {name} is required: {arg or 'not set'}")
                return ""
            return have or ""
        return _VAR_RE.sub(sub, value)
    if isinstance(value, dict):
        return {k: interpolate(v, env, errors, f"{where}.{k}" if where else str(k))
                for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, errors, where) for v in value]
    return value


# --------------------------------------------------------------------- entry points


def load_compose(path: str | Path, stack: str, *, env: Mapping[str, str] | None = None
                 ) -> StackPlan:
    """Read a compose file from this machine and plan the stack `stack`."""
    try:
        p = user_path(path)
        text = p.read_text(encoding="utf-8")
    except InputError as exc:
        raise ComposeError(str(exc)) from None
    except OSError as exc:
        raise ComposeError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ComposeError(f"{p} is not UTF-8 text (byte {exc.start}): save it as UTF-8"
                           ) from None
    return parse_compose(text, stack, base_dir=p.resolve().parent, path=p.resolve(), env=env)


def parse_compose(text: str, stack: str, *, base_dir: Path | None = None,
                  path: Path | None = None, env: Mapping[str, str] | None = None) -> StackPlan:
    """Plan the stack from compose YAML text (relative paths resolve against `base_dir`)."""
    try:
        _check_nesting(text)
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except RecursionError:
        raise ComposeError("the compose file nests too deeply to be read") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ComposeError(f"the compose file is not valid YAML{where}: {problem}") from None
    if not isinstance(doc, dict):
        raise ComposeError("the compose file must be a mapping with a services: key")
    try:
        check_size(doc)  # before anything copies its aliases
    except ShapeError as exc:
        raise ComposeError(str(exc)) from None
    plan = StackPlan(stack=stack, path=path)
    if not SERVICE_NAME_RE.match(stack) or len(stack) > 50:
        plan.errors.append(f"'{stack}' is not a valid stack name: letters, digits, '-' and '_'")
    env = dict(os.environ if env is None else env)
    if base_dir is not None and (base_dir / ".env").is_file():
        for k, v in read_env_file(base_dir / ".env").items():
            env.setdefault(k, v)
    doc = interpolate(doc, env, plan.errors)
    services = doc.get("services")
    if not isinstance(services, dict) or not services:
        raise ComposeError("the compose file has no services")
    for key in doc:
        if key not in ("version", "services", "networks", "volumes", "secrets", "configs",
                       "name") and not str(key).startswith("x-"):
            plan.warnings.append(f"top-level key '{key}' is not understood and is ignored")
    base = base_dir or Path.cwd()
    ctx = ComposeContext(stack, base, plan, env)
    misshapen = check_types(doc)
    for problems in misshapen.values():
        plan.errors.extend(problems)
    ctx.networks_decl = _mapping(doc.get("networks"), "networks", plan, misshapen)
    ctx.secrets_decl = _mapping(doc.get("secrets"), "secrets", plan, misshapen)
    ctx.configs_decl = _mapping(doc.get("configs"), "configs", plan, misshapen)
    ctx.volumes_decl = _mapping(doc.get("volumes"), "volumes", plan, misshapen)
    for short, svc in services.items():
        if not isinstance(svc, dict):
            plan.errors.append(f"service {short}: must be a mapping")
            continue
        if f"services.{short}" not in misshapen:
            _guarded(plan, f"service {short}", plan_service, ctx, str(short), svc)
    _guarded(plan, "networks", plan_networks, ctx)
    _guarded(plan, "secrets", plan_objects, ctx, "secret")
    _guarded(plan, "configs", plan_objects, ctx, "config")
    return plan


def _check_nesting(text: str) -> None:
    """Refuse deep nesting from the parser's events, before the (recursive) composer
    meets it: 3,000 nested `[` took it 5 s to fail with a RecursionError."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise ComposeError(f"the compose file nests more than {MAX_DEPTH} levels deep "
                                   f"(line {line})")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _guarded(plan: StackPlan, where: str, fn: Callable[..., None], *args: Any) -> None:
    """Plan one part; a shape the checks above did not foresee is an error naming the
    part, never an exception out of the parser."""
    try:
        fn(*args)
    except (TypeError, AttributeError, ValueError, KeyError, IndexError,
            OverflowError) as exc:
        plan.errors.append(f"{where}: a value has a type or shape swarmtui cannot use "
                           f"({type(exc).__name__}: {str(exc)[:200]})")


def _mapping(value: Any, what: str, plan: StackPlan,
             misshapen: Mapping[str, list[str]]) -> dict[str, Any]:
    """A top-level section by name; a declaration with type problems (already in the
    errors) is kept as an empty one, so its users do not report it again."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        plan.errors.append(f"top-level {what}: must be a mapping")
        return {}
    return {str(k): ({} if v is None or f"{what}.{k}" in misshapen else v)
            for k, v in value.items()}
