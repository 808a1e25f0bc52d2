"""The shape of a compose document, checked before it is planned.

A YAML file is data from anywhere, so two things are checked on the loaded document
before any of it is used:

* **size**: aliases are shared, not copied, by the YAML loader, but everything that walks
  the document (interpolation, planning) copies them. A few hundred bytes of nested
  aliases (a "billion laughs") expand to billions of values, so the expanded size is
  counted first — memoised per shared node, so the count itself is cheap — and a file
  that expands past `MAX_VALUES` values, nests deeper than `MAX_DEPTH`, or holds a
  recursive alias is refused with the path where it happens.
* **types**: the keys swarmtui reads must have the type the compose reference gives
  them (`logging.options` a mapping, `networks.<name>.aliases` a list, `image` a string
  — not a YAML date). Each mismatch is a message naming its path, e.g.
  ``services.web.logging.options: must be a mapping, not a list``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

MAX_VALUES = 100_000  # values after aliases are expanded (a large real file has ~2,000)
MAX_DEPTH = 64  # nesting levels (a real file has ~8)


class ShapeError(ValueError):
    """The document cannot be planned at all (too big, too deep, recursive)."""


def _children(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield (f"{path}.{k}" if path else str(k)), v
    else:
        for i, v in enumerate(node):
            yield f"{path}[{i}]", v


def check_size(doc: Any) -> int:
    """The number of values `doc` holds with its aliases expanded; ShapeError past the
    limits or for a recursive alias."""
    seen: dict[int, tuple[int, int]] = {}  # id → (expanded size, height), per shared node
    on_path: set[int] = set()

    def walk(node: Any, path: str, depth: int) -> tuple[int, int]:
        if not isinstance(node, dict | list):
            return 1, 0
        key = id(node)
        where = path or "the top level"
        if key in on_path:
            raise ShapeError(f"{where}: a YAML alias refers to a value that contains it "
                             "(a recursive structure)")
        if key not in seen:
            if depth > MAX_DEPTH:
                raise ShapeError(f"{where}: nested more than {MAX_DEPTH} levels deep")
            on_path.add(key)
            total, height = 1, 0
            for child_path, child in _children(node, path):
                size, h = walk(child, child_path, depth + 1)
                total, height = total + size, max(height, h + 1)
                if total > MAX_VALUES:
                    raise ShapeError(
                        f"{where}: expands to more than {MAX_VALUES:,} values through YAML "
                        "aliases (aliases of aliases, a 'billion laughs'?): the file is not "
                        "planned")
            on_path.discard(key)
            seen[key] = (total, height)
        size, height = seen[key]
        if depth + height > MAX_DEPTH:
            raise ShapeError(f"{where}: nested more than {MAX_DEPTH} levels deep")
        return size, height

    return walk(doc, "", 0)[0]


# ----------------------------------------------------------------------------- types

Check = Callable[[Any, str, list[str]], None]
_SCALARS = (str, int, float, bool)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime.date):
        return f"a date ({value}; quote it to mean the text)"
    if value is None:
        return "empty"
    return f"{type(value).__name__} {value!r}"


def scalar(value: Any, path: str, errors: list[str]) -> None:
    if value is not None and not isinstance(value, _SCALARS):
        errors.append(f"{path}: must be a single value, not {_kind(value)}")


def text(value: Any, path: str, errors: list[str]) -> None:
    if value is not None and not isinstance(value, str):
        errors.append(f"{path}: must be a string, not {_kind(value)}")


def listof(item: Check) -> Check:
    def check(value: Any, path: str, errors: list[str]) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            errors.append(f"{path}: must be a list, not {_kind(value)}")
            return
        for i, v in enumerate(value):
            item(v, f"{path}[{i}]", errors)
    return check


def mapping(fields: dict[str, Check] | None = None, *, values: Check | None = None) -> Check:
    """A mapping whose known keys have the checks in `fields` (others are not read), or
    whose every value passes `values`."""
    def check(value: Any, path: str, errors: list[str]) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            errors.append(f"{path}: must be a mapping, not {_kind(value)}")
            return
        for k, v in value.items():
            sub = values if values is not None else (fields or {}).get(str(k))
            if sub is not None:
                sub(v, f"{path}.{k}", errors)
    return check


def either(*checks: Check, what: str) -> Check:
    """Passes if one of `checks` passes; else one message saying what it may be."""
    def check(value: Any, path: str, errors: list[str]) -> None:
        for c in checks:
            trial: list[str] = []
            c(value, path, trial)
            if not trial:
                return
        if isinstance(value, dict | list):
            # the container kind fits one of them: report that one's inner problems
            for c in checks:
                trial = []
                c(value, path, trial)
                if not any(t.startswith(f"{path}: must be") for t in trial):
                    errors.extend(trial)
                    return
        errors.append(f"{path}: must be {what}, not {_kind(value)}")
    return check


words = either(text, listof(scalar), what="a string or a list of strings")
pairs = either(mapping(values=scalar), listof(scalar), what="a mapping or a list of KEY=value")
_resources = mapping({"cpus": scalar, "memory": scalar})
_update = mapping({"parallelism": scalar, "delay": scalar, "monitor": scalar,
                   "failure_action": scalar, "max_failure_ratio": scalar, "order": scalar})
_ref = either(scalar, mapping({"source": scalar, "target": scalar, "uid": scalar,
                               "gid": scalar, "mode": scalar}),
              what="a name or a mapping with source:")

SERVICE = mapping({
    "image": text,
    "command": words, "entrypoint": words,
    "environment": pairs, "labels": pairs,
    "env_file": either(text, listof(text), what="a path or a list of paths"),
    "ports": listof(either(scalar, mapping({"target": scalar, "published": scalar,
                                            "protocol": scalar, "mode": scalar,
                                            "host_ip": scalar}),
                           what="a port like 8080:80 or a mapping with target:")),
    "networks": either(listof(scalar),
                       mapping(values=mapping({"aliases": listof(scalar)})),
                       what="a list of names or a mapping of name: {aliases: […]}"),
    "secrets": listof(_ref), "configs": listof(_ref),
    "volumes": listof(either(scalar, mapping({"type": scalar, "source": scalar,
                                              "target": scalar, "read_only": scalar}),
                             what="a volume like name:/path or a mapping with target:")),
    "working_dir": scalar, "user": scalar, "hostname": scalar, "stop_signal": scalar,
    "stop_grace_period": scalar, "tty": scalar, "stdin_open": scalar, "read_only": scalar,
    "init": scalar, "restart": scalar, "network_mode": scalar,
    "extra_hosts": pairs,
    "healthcheck": mapping({"test": words, "interval": scalar, "timeout": scalar,
                            "start_period": scalar, "retries": scalar, "disable": scalar}),
    "logging": mapping({"driver": scalar, "options": mapping(values=scalar)}),
    "deploy": mapping({
        "mode": scalar, "replicas": scalar, "endpoint_mode": scalar, "labels": pairs,
        "resources": mapping({"limits": _resources, "reservations": _resources}),
        "restart_policy": mapping({"condition": scalar, "delay": scalar,
                                   "max_attempts": scalar, "window": scalar}),
        "placement": mapping({"constraints": listof(scalar),
                              "preferences": listof(mapping(values=scalar)),
                              "max_replicas_per_node": scalar}),
        "update_config": _update, "rollback_config": _update,
    }),
})
NETWORK = mapping({
    "name": scalar, "driver": scalar, "attachable": scalar, "internal": scalar,
    "external": either(scalar, mapping({"name": scalar}), what="true or {name: …}"),
    "labels": pairs, "driver_opts": mapping(values=scalar),
    "ipam": mapping({"driver": scalar,
                     "config": listof(mapping({"subnet": scalar, "gateway": scalar}))}),
})
OBJECT = mapping({
    "name": scalar, "file": scalar, "environment": scalar, "content": scalar,
    "external": either(scalar, mapping({"name": scalar}), what="true or {name: …}"),
    "labels": pairs,
})
VOLUME = mapping({"name": scalar, "external": either(scalar, mapping({"name": scalar}),
                                                     what="true or {name: …}")})


def check_types(doc: dict[Any, Any]) -> dict[str, list[str]]:
    """Type problems by top-level section path ("services.web", "networks.front", …)."""
    out: dict[str, list[str]] = {}
    for section, check in (("services", SERVICE), ("networks", NETWORK),
                           ("secrets", OBJECT), ("configs", OBJECT), ("volumes", VOLUME)):
        decls = doc.get(section)
        if not isinstance(decls, dict):
            continue
        for name, decl in decls.items():
            errors: list[str] = []
            check(decl, f"{section}.{name}", errors)
            if errors:
                out[f"{section}.{name}"] = errors
    return out
