"""Swarm placement constraints: parsed as swarmkit parses them, matched with a reason.

Syntax (swarmkit ``manager/constraint``): ``KEY==VALUE`` or ``KEY!=VALUE``, spaces
around either side ignored. Keys: ``node.id``, ``node.hostname``, ``node.role``,
``node.platform.os``, ``node.platform.arch``, ``node.labels.NAME``,
``engine.labels.NAME``. Values compare case-insensitively (as swarmkit's
``strings.EqualFold``); a missing label counts as the empty value, so
``node.labels.zone!=a`` holds on a node without the label. Label *names* are
case-sensitive, the fixed keys are not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from swarmtui.swarm.models import Node

_KEY_RE = re.compile(r"^[a-z_][a-z0-9\-_.]+$", re.IGNORECASE)
FIXED_KEYS = ("node.id", "node.hostname", "node.role", "node.platform.os", "node.platform.arch")
LABEL_PREFIXES = ("node.labels.", "engine.labels.")


class ConstraintError(ValueError):
    """A constraint swarmkit would refuse; the message says which and why."""


@dataclass(frozen=True)
class Constraint:
    """One parsed constraint: ``key`` (fixed keys lower-cased), ``op`` ("==" / "!="), value."""

    key: str
    op: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Constraint:
        """Parse "node.labels.zone == a"; raise ConstraintError on anything else. Cached."""
        return _parse(text)

    @classmethod
    def _parse(cls, text: str) -> Constraint:
        for op in ("==", "!="):
            if op in text:
                key, _, value = text.partition(op)
                key, value = key.strip(), value.strip()
                if not _KEY_RE.match(key):
                    raise ConstraintError(f"constraint {text!r}: {key!r} is not a valid key")
                if not value:
                    raise ConstraintError(f"constraint {text!r} has no value after {op}")
                lowered = key.lower()
                if lowered in FIXED_KEYS:
                    key = lowered
                elif not any(lowered.startswith(p) and len(key) > len(p)
                             for p in LABEL_PREFIXES):
                    raise ConstraintError(
                        f"constraint {text!r}: unknown key {key!r} (use node.id, node.hostname, "
                        "node.role, node.platform.os, node.platform.arch, node.labels.NAME "
                        "or engine.labels.NAME)")
                else:
                    prefix = next(p for p in LABEL_PREFIXES if lowered.startswith(p))
                    key = prefix + key[len(prefix):]
                return cls(key, op, value)
        raise ConstraintError(f"constraint {text!r} has no == or !=")

    @property
    def text(self) -> str:
        return f"{self.key}{self.op}{self.value}"

    @functools.cached_property
    def label(self) -> tuple[str, str] | None:
        """("node", NAME) / ("engine", NAME) for a label constraint, else None."""
        for prefix in LABEL_PREFIXES:
            if self.key.startswith(prefix):
                return prefix.split(".")[0], self.key[len(prefix):]
        return None

    def node_value(self, node: Node) -> str | None:
        """The node's value for this key; None for a label the node does not have."""
        label = self.label
        if label is not None:
            kind, name = label
            return (node.labels if kind == "node" else node.engine_labels).get(name)
        return {
            "node.id": node.id,
            "node.hostname": node.hostname,
            "node.role": "manager" if node.is_manager else "worker",
            "node.platform.os": node.os,
            "node.platform.arch": node.arch,
        }[self.key]

    def matches(self, node: Node) -> bool:
        equal = (self.node_value(node) or "").lower() == self.value.lower()
        return equal if self.op == "==" else not equal

    def why_not(self, node: Node) -> str | None:
        """Why `node` fails this constraint ("no label zone"); None when it meets it."""
        if self.matches(node):
            return None
        have = self.node_value(node)
        label = self.label
        if label is not None:
            kind, name = label
            what = "label" if kind == "node" else "engine label"
            if have is None:
                return f"no {what} {name}"
            return f"{what} {name}={have}" + (f", not {self.value}" if self.op == "==" else "")
        if self.key == "node.id":
            return "another node" if self.op == "==" else "that very node"
        word = self.key.rsplit(".", 1)[-1].replace("arch", "architecture")
        if self.op == "==":
            return f"{word} {have or '(none)'}, not {self.value}"
        return f"{word} {have}"


@dataclass(frozen=True)
class Preference:
    """A placement preference: spread tasks over the values of a node/engine label."""

    descriptor: str

    @classmethod
    def from_api(cls, d: object) -> Preference | None:
        spread = d.get("Spread") if isinstance(d, dict) else None
        desc = spread.get("SpreadDescriptor") if isinstance(spread, dict) else None
        return cls(str(desc)) if desc else None

    def value(self, node: Node) -> str | None:
        sources = (("node.labels.", node.labels), ("engine.labels.", node.engine_labels))
        for prefix, labels in sources:
            if self.descriptor.startswith(prefix):
                return labels.get(self.descriptor[len(prefix):])
        return None


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> Constraint:
    return Constraint._parse(text)


def parse_all(texts: tuple[str, ...]) -> tuple[list[Constraint], list[str]]:
    """The constraints that parse, and a message for each that does not."""
    out: list[Constraint] = []
    bad: list[str] = []
    for text in texts:
        try:
            out.append(Constraint.parse(text))
        except ConstraintError as exc:
            bad.append(str(exc))
    return out, bad
