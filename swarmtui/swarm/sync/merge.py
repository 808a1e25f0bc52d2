"""The one merge rule: a re-list keeps every object whose version did not change.

Re-listing 20,000 tasks then rebuilds only the tasks that changed, and
unchanged rows are the very same objects (`is`), which the tables diff cheaply. A task
list is not even decoded but for the tasks whose version moved (jsonlist.Listing.heads):
a poll of 20,000 tasks of which a few changed costs ~30 ms, not ~0.4 s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from swarmtui.swarm.jsonlist import Listing
from swarmtui.swarm.models import ApiDict, Node, Service
from swarmtui.swarm.state import build_kind, builder
from swarmtui.swarm.sync.uiturn import stepping


class Merged(dict[str, Any]):
    """Models of one list by ID, with the digest of the bytes they came from (None when the
    list came decoded already): the same digest next time, the same models."""

    digest: bytes | None = None


class Versioned(Protocol):
    """A model with the version index of its object."""

    @property
    def version(self) -> int: ...


def merge_kind(kind: str, old: Mapping[str, Versioned] | None,
               items: Iterable[ApiDict]) -> dict[str, Any]:
    """Models of one kind from a fresh list, reusing `old` objects whose version index is equal.

    Networks have no version index in their list output: they are always rebuilt.
    A service's ServiceStatus counts and a node's status change without a version
    bump: those are compared too. A list of the very bytes `old` came from (its digest,
    jsonlist.Listing) is not decoded at all: `old` is the answer.
    """
    digest: bytes | None = getattr(items, "digest", None)
    if digest is not None and isinstance(old, Merged) and old.digest == digest:
        return old
    out = Merged()
    out.digest = digest
    if kind == "networks" or not old:
        out.update(build_kind(kind, items))
        return out
    if kind == "tasks" and isinstance(items, Listing):
        by_heads = _tasks_by_heads(old, items)
        if by_heads is not None:
            by_heads.digest = digest
            return by_heads
    build = builder(kind)
    for d in stepping(items, 64):  # the UI thread's turn first (uiturn)
        oid = str(d.get("ID") or "")
        prev = old.get(oid) if oid else None
        version = d.get("Version")
        index = version.get("Index") if isinstance(version, dict) else None
        if prev is not None and index is not None and prev.version == index \
                and _same_unversioned(kind, prev, d):
            out[oid] = prev
        else:
            obj = build(d)  # now: the API dict can go as soon as the list moves on
            out[obj.id] = obj
    return out


def _tasks_by_heads(old: Mapping[str, Versioned], items: Listing) -> Merged | None:
    """A re-listed task list read by its elements' heads (ID, version index): only the
    tasks whose version moved are decoded and built. None when the heads cannot be read
    (then the whole list is decoded). Tasks have no unversioned fields (`_same_unversioned`)."""
    heads = items.heads()
    if heads is None:
        return None
    body = items.body
    build = builder("tasks")
    out = Merged()
    for oid, index, start, end in stepping(heads, 64):  # the UI thread's turn first
        prev = old.get(oid)
        if prev is not None and prev.version == index:
            out[oid] = prev
            continue
        try:
            d = json.loads(body[start:end])
        except ValueError:
            return None
        if not isinstance(d, dict):
            return None
        obj = build(d)
        out[obj.id] = obj
    return out


def _same_unversioned(kind: str, prev: Versioned, d: ApiDict) -> bool:
    if kind == "services" and isinstance(prev, Service):
        return bool(prev.raw.get("ServiceStatus") == d.get("ServiceStatus"))
    if kind == "nodes" and isinstance(prev, Node):
        return bool(prev.raw == d)
    return True


def same_objects(old: Mapping[str, object], new: Mapping[str, object]) -> bool:
    """The same objects under the same IDs (`is`): what merge_kind returns for a list in
    which no version changed."""
    if old is new:  # the very bytes of the last list (merge_kind's digest)
        return True
    return len(old) == len(new) and all(old.get(oid) is obj for oid, obj in new.items())
