"""A readable diff of two ServiceSpecs, for the confirmation of an edit.

:func:`spec_diff` lists every changed leaf as ``path: old → new`` with values in
the units a person uses (durations as ``5s``, memory as ``512M``, CPUs as
``0.5``). Lists of records (ports, mounts, networks …) are compared entry by
entry; empty values (absent, ``{}``, ``[]``, None) are all "(none)".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from swarmtui.swarm.create.units import format_cpus, format_duration, format_size

NONE = "(none)"
_DURATION_KEYS = {"Delay", "Monitor", "Window", "Interval", "Timeout", "StartPeriod",
                  "StartInterval", "StopGracePeriod"}


@dataclass(frozen=True)
class SpecChange:
    """One changed field: a dotted path with list indexes, and both values as text."""

    path: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.path}: {self.old} → {self.new}"


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(_leaves(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            out.update(_leaves(v, f"{path}[{i}]"))
    elif value is not None and value != [] and value != "":
        out[path] = value
    return out


def _text(path: str, value: Any, names: dict[str, str]) -> str:
    if value is None:
        return NONE
    key = path.rsplit(".", 1)[-1]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        if key in _DURATION_KEYS:
            return format_duration(value)
        if key == "MemoryBytes":
            return format_size(value)
        if key == "NanoCPUs":
            return f"{format_cpus(value)} CPUs"
        return str(value)
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list):
        return "[" + ", ".join(_text(path, v, names) for v in value) + "]"
    return json.dumps(value, sort_keys=True)


def spec_diff(old: dict[str, Any], new: dict[str, Any], *,
              names: dict[str, str] | None = None) -> list[SpecChange]:
    """Changed leaves between two specs, in path order. `names` maps IDs to names for display."""
    names = names or {}
    a, b = _leaves(old), _leaves(new)
    changes = []
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path):
            changes.append(SpecChange(path, _text(path, a.get(path), names),
                                      _text(path, b.get(path), names)))
    return changes
