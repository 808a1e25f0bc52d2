"""A service's spec history: the spec in effect, the engine's PreviousSpec, and every spec
swarmtui applied to it (the audit journal keeps each one the runner wrote), each as a
diff to the current spec — "what changed since it last worked".

The journal keeps specs with secret-looking environment values redacted
(`redact_spec`); restoring such a spec takes those values from the current spec
(`restore_redacted`), or refuses when the current spec has none.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from swarmtui.secrets import redact_obj
from swarmtui.swarm.create.diff import SpecChange, spec_diff
from swarmtui.swarm.models import Service

Spec = dict[str, Any]
REDACTED = "<redacted>"
#: environment variables whose values the journal never keeps
SECRET_NAME = re.compile(r"pass|secret|token|key|credential|auth|private", re.IGNORECASE)


def redact_spec(spec: Spec) -> Spec:
    """A copy for the journal: secret-looking Env values and any swarm token masked."""
    out: Spec = redact_obj(copy.deepcopy(spec))
    cs = (out.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    env = cs.get("Env")
    if isinstance(env, list):
        cs["Env"] = [_redact_env(e) for e in env]
    return out


def _redact_env(entry: Any) -> Any:
    if not isinstance(entry, str) or "=" not in entry:
        return entry
    name, _, value = entry.partition("=")
    return f"{name}={REDACTED}" if value and SECRET_NAME.search(name) else entry


def restore_redacted(spec: Spec, current: Spec) -> tuple[Spec, list[str]]:
    """`spec` with each redacted Env value taken from `current`; and the names that
    `current` does not hold (the spec cannot be restored whole then)."""
    out = copy.deepcopy(spec)
    cs = (out.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    env = cs.get("Env")
    if not isinstance(env, list):
        return out, []
    now = {}
    for e in ((current.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Env") or []:
        if isinstance(e, str):
            k, _, v = e.partition("=")
            now[k] = v
    missing: list[str] = []
    restored = []
    for e in env:
        name, _, value = e.partition("=") if isinstance(e, str) else ("", "", "")
        if value == REDACTED:
            if name in now and now[name] != REDACTED:
                e = f"{name}={now[name]}"
            else:
                missing.append(name)
        restored.append(e)
    cs["Env"] = restored
    return out, missing


Source = Literal["current", "previous", "journal"]


@dataclass(frozen=True)
class SpecVersion:
    """One spec the service had (or has)."""

    source: Source
    spec: Spec
    #: when it was applied (ISO, journal), "" when the engine does not say
    when: str = ""
    #: who applied it and how (journal): "root: docker service update --image …"
    how: str = ""
    #: the service's version it was written over (journal)
    version: int = 0

    @property
    def key(self) -> str:
        """Stays the same while the history grows (a screen keeps its cursor on it)."""
        return self.source if self.source != "journal" else f"{self.when}#{self.version}"

    @property
    def label(self) -> str:
        if self.source == "current":
            return "current spec"
        if self.source == "previous":
            return "previous spec (the engine's PreviousSpec: docker service rollback)"
        return f"applied {self.when.replace('T', ' ')[:19]} by {self.how}"


def same(a: Spec, b: Spec) -> bool:
    return not spec_diff(a, b)


def history(svc: Service, journal: Iterable[dict[str, Any]]) -> list[SpecVersion]:
    """Current, PreviousSpec, then the specs the journal says swarmtui applied to this
    service, newest first; a spec equal to one listed before is left out."""
    versions = [SpecVersion("current", svc.spec)]
    previous = svc.raw.get("PreviousSpec")
    if isinstance(previous, dict) and not same(previous, svc.spec):
        versions.append(SpecVersion("previous", previous))
    applied = []
    for entry in journal:
        if entry.get("result") != "ok":
            continue
        for item in ((entry.get("detail") or {}).get("specs") or []):
            if isinstance(item, dict) and item.get("service_id") == svc.id and \
                    isinstance(item.get("spec"), dict):
                how = f"{entry.get('user', '?')}: {entry.get('cli') or entry.get('operation')}"
                # the values the journal redacted are the current ones (else they stay
                # redacted, and restoring it is refused)
                spec, _missing = restore_redacted(item["spec"], svc.spec)
                applied.append(SpecVersion("journal", spec, str(entry.get("time", "")),
                                           how, int(item.get("version") or 0)))
    for v in reversed(applied):
        if not any(same(v.spec, seen.spec) for seen in versions):
            versions.append(v)
    return versions


def changes_since(version: SpecVersion, current: Spec,
                  names: dict[str, str] | None = None) -> list[SpecChange]:
    """What changed from `version` to the current spec (old → new); secret-looking
    environment values are shown redacted."""
    return spec_diff(redact_spec(version.spec), redact_spec(current), names=names)


def journal_specs(written: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runner's record of the specs an operation wrote, redacted for the journal."""
    return [{**w, "spec": redact_spec(w["spec"])} for w in written]
