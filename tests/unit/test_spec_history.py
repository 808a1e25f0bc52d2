"""Spec history from the engine's PreviousSpec and the journal; secrets never kept."""

from __future__ import annotations

from typing import Any

from swarmtui.swarm.models import Service
from swarmtui.swarm.spec_history import (
    REDACTED,
    changes_since,
    history,
    journal_specs,
    redact_spec,
    restore_redacted,
)


def spec(image: str, replicas: int, env: list[str] | None = None) -> dict[str, Any]:
    return {"Name": "web", "Mode": {"Replicated": {"Replicas": replicas}},
            "TaskTemplate": {"ContainerSpec": {"Image": image, "Env": env or []}}}


def service(current: dict[str, Any], previous: dict[str, Any] | None) -> Service:
    raw: dict[str, Any] = {"ID": "svc1", "Version": {"Index": 10}, "Spec": current}
    if previous is not None:
        raw["PreviousSpec"] = previous
    return Service.from_api(raw)


def entry(s: dict[str, Any], result: str = "ok", sid: str = "svc1") -> dict[str, Any]:
    return {"result": result, "user": "ann", "cli": "docker service scale web=2",
            "time": "2026-12-01T10:00:00+00:00",
            "detail": {"specs": journal_specs([{"service_id": sid, "name": "web",
                                                "version": 3, "spec": s}])}}


def test_secret_looking_env_values_are_redacted_and_restored_from_the_current_spec() -> None:
    s = spec("busybox", 1, ["DB_PASSWORD=hunter2", "MODE=prod", "API_TOKEN=SWMTKN-1-abc"])
    kept = redact_spec(s)
    assert kept["TaskTemplate"]["ContainerSpec"]["Env"] == [
        f"DB_PASSWORD={REDACTED}", "MODE=prod", f"API_TOKEN={REDACTED}"]
    assert "hunter2" in str(s)  # the original is untouched
    back, missing = restore_redacted(kept, spec("x", 1, ["DB_PASSWORD=new", "MODE=dev"]))
    assert back["TaskTemplate"]["ContainerSpec"]["Env"][0] == "DB_PASSWORD=new"
    assert missing == ["API_TOKEN"]


def test_history_lists_current_previous_then_the_journal_newest_first_without_repeats() -> None:
    a, b, c = spec("busybox", 2), spec("busybox:v2", 2), spec("busybox:v2", 3)
    svc = service(c, b)
    journal = [entry(a), entry(b), entry(c), entry(spec("other", 9), sid="svc2"),
               entry(spec("refused", 5), result="refused")]
    versions = history(svc, journal)
    assert [v.source for v in versions] == ["current", "previous", "journal"]
    assert versions[2].spec == a and "ann: docker service scale" in versions[2].label
    changed = {str(c) for c in changes_since(versions[2], svc.spec)}
    assert changed == {"TaskTemplate.ContainerSpec.Image: busybox → busybox:v2",
                       "Mode.Replicated.Replicas: 2 → 3"}
    assert len({v.key for v in versions}) == 3


def test_the_diff_never_shows_a_secret_value() -> None:
    old = spec("busybox", 1, ["DB_PASSWORD=old"])
    svc = service(spec("busybox", 2, ["DB_PASSWORD=new"]), old)
    text = " ".join(str(c) for c in changes_since(history(svc, [])[1], svc.spec))
    assert "old" not in text and "new" not in text and "Replicas: 1 → 2" in text
