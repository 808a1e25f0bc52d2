"""Swarm settings (certificate expiry, dispatcher heartbeat, task history) and CA info on a
blocking `docker.APIClient`, with durations formatted as Go's `time.Duration` (what the
docker CLI prints and accepts).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import docker
import docker.errors

from swarmtui.swarm.certs import parse_pem
from swarmtui.swarm.swarmspec import SwarmInspect, SwarmSpecError, inspect, update_spec

# ----------------------------------------------------------------------------- durations

def go_duration(value: timedelta | int) -> str:
    """Format like Go's time.Duration.String (what the docker CLI accepts and prints):
    2160h0m0s, 5s, 1m30s, 500ms. An int is nanoseconds."""
    ns = value if isinstance(value, int) else round(value.total_seconds() * 10**9)
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if ns >= size:
                return f"{sign}{_trim(ns / size)}{unit}"
    hours, rem = divmod(ns, 3600 * 10**9)
    minutes, rem = divmod(rem, 60 * 10**9)
    seconds = _trim(rem / 10**9)
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"


def _trim(x: float) -> str:
    return f"{x:.9f}".rstrip("0").rstrip(".")


def _ns(td: timedelta) -> int:
    return round(td.total_seconds() * 10**9)


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SwarmSettings:
    cert_expiry: timedelta  # validity of node certificates (CAConfig.NodeCertExpiry)
    dispatcher_heartbeat: timedelta  # how often nodes report to managers
    task_history_limit: int  # old tasks kept per slot (Orchestration.TaskHistoryRetentionLimit)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> SwarmSettings:
        return cls(
            cert_expiry=timedelta(microseconds=int(
                (spec.get("CAConfig") or {}).get("NodeCertExpiry") or 90 * 86400 * 10**9) / 1000),
            dispatcher_heartbeat=timedelta(microseconds=int(
                (spec.get("Dispatcher") or {}).get("HeartbeatPeriod") or 5 * 10**9) / 1000),
            task_history_limit=int(
                (spec.get("Orchestration") or {}).get("TaskHistoryRetentionLimit", 5)),
        )

    def validate(self) -> list[str]:
        errors: list[str] = []
        for setting in _SETTINGS:
            value = getattr(self, setting.field)
            for bad, words in ((value < setting.low, setting.too_low),
                               (value > setting.high, setting.too_high)):
                if bad:
                    errors.append(f"{setting.words} "
                                  + words.format(value=self._shown(setting.field)))
        return errors

    def apply_to(self, spec: dict[str, Any], base: SwarmSettings | None = None) -> None:
        """Write these settings into `spec` (the FRESH swarm spec), three-way.

        With `base` (the settings as shown when the user started), only the fields the
        user changed are written, and one that someone else changed meanwhile to
        another value raises SwarmSpecError (shown, never overwritten).
        """
        fresh = SwarmSettings.from_spec(spec)
        changed = [s for s in _SETTINGS
                   if base is None or getattr(base, s.field) != getattr(self, s.field)]
        if base is not None:
            clashes = [f"{s.words}: you {self._shown(s.field)}, now {fresh._shown(s.field)} "
                       f"(was {base._shown(s.field)})" for s in changed
                       if getattr(fresh, s.field) not in (getattr(base, s.field),
                                                          getattr(self, s.field))]
            if clashes:
                raise SwarmSpecError(
                    "The swarm settings were changed by someone else meanwhile, in "
                    f"fields you changed too: {'; '.join(clashes)}. Nothing was sent: "
                    "reload (r) and try again")
        for s in changed:
            value = getattr(self, s.field)
            spec.setdefault(s.section, {})[s.key] = \
                _ns(value) if isinstance(value, timedelta) else value

    def _shown(self, name: str) -> str:
        value = getattr(self, name)
        return go_duration(value) if isinstance(value, timedelta) else str(value)

    def cli(self, current: SwarmSettings | None = None) -> str:
        args = ["docker", "swarm", "update"]
        for s in _SETTINGS:
            if current is None or getattr(current, s.field) != getattr(self, s.field):
                args += [s.flag, self._shown(s.field)]
        return shlex.join(args)


@dataclass(frozen=True)
class _Setting:
    """One swarm setting: where it lives in the spec, its CLI flag, the values refused
    (below `low` or above `high`) and why, in words after the setting's name."""

    field: str
    words: str
    section: str
    key: str
    flag: str
    low: timedelta | int
    too_low: str
    high: timedelta | int
    too_high: str


_SETTINGS = (
    _Setting("cert_expiry", "certificate expiry", "CAConfig", "NodeCertExpiry",
             "--cert-expiry",
             timedelta(hours=1), "{value} is too short: Swarm needs at least 1h (the default "
             "is 2160h, 90 days)",
             timedelta(days=3650), "above 10 years is refused: long-lived node certificates "
             "defeat rotation"),
    _Setting("dispatcher_heartbeat", "dispatcher heartbeat", "Dispatcher", "HeartbeatPeriod",
             "--dispatcher-heartbeat",
             timedelta(seconds=1), "{value} is too short: use at least 1s (the default is 5s)",
             timedelta(minutes=10), "above 10m would leave dead nodes marked Ready for a long "
             "time; use 5s-1m"),
    _Setting("task_history_limit", "task history limit", "Orchestration",
             "TaskHistoryRetentionLimit", "--task-history-limit",
             0, "cannot be negative (the default is 5)",
             10000, "above 10000 bloats the raft store; the default is 5"),
)


def read_settings(api: docker.APIClient) -> SwarmSettings:
    return SwarmSettings.from_spec(inspect(api).spec)


def apply_settings(api: docker.APIClient, settings: SwarmSettings,
                   base: SwarmSettings | None = None) -> SwarmSettings:
    """Write `settings` (three-way against `base`, the settings the user started from)."""
    errors = settings.validate()
    if errors:
        raise SwarmSpecError("Settings not applied: " + "; ".join(errors))
    after = update_spec(api, lambda spec: settings.apply_to(spec, base),
                        what="Updating the swarm settings")
    return SwarmSettings.from_spec(after.spec)


@dataclass(frozen=True)
class CAInfo:
    node_cert_expiry: timedelta
    root_subject: str
    root_not_before: datetime | None
    root_not_after: datetime | None
    rotation_in_progress: bool
    external_cas: int
    notes: list[str] = field(default_factory=list)

    def days_left(self, now: datetime | None = None) -> int | None:
        if self.root_not_after is None:
            return None
        return (self.root_not_after - (now or datetime.now(UTC))).days


def ca_info_from(swarm: SwarmInspect) -> CAInfo:
    notes: list[str] = []
    subject, not_before, not_after = "", None, None
    if swarm.trust_root_pem:
        dates = parse_pem(swarm.trust_root_pem)
        if dates is None:
            notes.append("the root CA certificate could not be read")
        else:
            subject, not_before, not_after = dates.subject, dates.not_before, dates.not_after
    else:
        notes.append("the engine did not return the root CA certificate")
    ca = swarm.spec.get("CAConfig") or {}
    settings = SwarmSettings.from_spec(swarm.spec)
    if swarm.root_rotation_in_progress:
        notes.append("a root CA rotation is in progress (`docker swarm ca --rotate`); nodes "
                     "switch over as they renew their certificates")
    return CAInfo(node_cert_expiry=settings.cert_expiry, root_subject=subject,
                  root_not_before=not_before, root_not_after=not_after,
                  rotation_in_progress=swarm.root_rotation_in_progress,
                  external_cas=len(ca.get("ExternalCAs") or []), notes=notes)


def ca_info(api: docker.APIClient) -> CAInfo:
    return ca_info_from(inspect(api))
