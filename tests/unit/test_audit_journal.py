"""The audit journal and secret redaction (no sockets)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from swarmtui import audit
from swarmtui.secrets import contains_secret, redact, redact_obj
from swarmtui.swarm.ops.runner import run_operation
from swarmtui.swarm.ops.services import RemoveService
from tests.unit.test_swarm_fixtures import service, snap

TOKEN = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx"
KEY = "SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8"


def test_redact_tokens_and_keys() -> None:
    text = f"join with {TOKEN} 10.0.0.1:2377; unlock: {KEY}."
    out = redact(text)
    assert "SWMTKN-1-" not in out and "SWMKEY-1-" not in out
    assert out == "join with <join token redacted> 10.0.0.1:2377; unlock: <unlock key redacted>."
    assert contains_secret(text) and not contains_secret(out)
    nested = redact_obj({"a": [TOKEN, {"b": KEY}], "JoinTokens": {"Worker": TOKEN}, "n": 3})
    assert nested == {"a": ["<join token redacted>", {"b": "<unlock key redacted>"}], "n": 3}


def test_journal_appends_redacted_lines_and_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWARMTUI_STATE_DIR", str(tmp_path / "state"))
    assert audit.journal_path() == tmp_path / "state" / "audit.jsonl"
    out = io.StringIO()
    assert audit.print_journal(out) == 0 and "empty" in out.getvalue()
    audit.record(
        audit.AuditEntry(
            "scale",
            "web",
            "docker service scale web=3",
            "ok",
            cluster="prod",
            endpoint="ssh://admin@m1",
        )
    )
    audit.record(
        audit.AuditEntry(
            "join",
            "node4",
            f"docker swarm join --token {TOKEN} m1:2377",
            "error",
            error=f"failed with {KEY}",
        )
    )
    raw = audit.journal_path().read_text()
    assert "SWMTKN-1-" not in raw and "SWMKEY-1-" not in raw
    lines = [json.loads(x) for x in raw.splitlines()]
    assert len(lines) == 2
    assert set(lines[0]) >= {
        "time",
        "user",
        "cluster",
        "endpoint",
        "operation",
        "target",
        "cli",
        "result",
        "error",
    }
    assert lines[0]["cli"] == "docker service scale web=3" and lines[0]["user"]
    out = io.StringIO()
    assert audit.print_journal(out) == 0
    text = out.getvalue()
    assert (
        "docker service scale web=3" in text and "ERROR" in text and "<join token redacted>" in text
    )
    assert "prod (ssh://admin@m1)" in text


def test_runner_journals_refusals_without_io(tmp_path: Path) -> None:
    """Read-only: refused before any I/O (api=None would fail on any call)."""
    path = tmp_path / "j.jsonl"
    web = snap(services=[service("s1", "web")]).services["s1"]
    out = run_operation(None, RemoveService(web), read_only=True, journal_path=path)
    assert out.status == "refused" and "read-only" in out.message
    s = snap(services=[service("s1", "web")])
    out = run_operation(
        None, RemoveService(web), snapshot=s, typed_confirmation="wbe", journal_path=path
    )
    assert out.status == "refused" and "type 'web'" in out.message
    entries = audit.read_journal(path)
    assert [e["result"] for e in entries] == ["refused", "refused"]
    assert entries[0]["cli"] == "docker service rm web"


def test_an_unwritable_journal_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    web = snap(services=[service("s1", "web")]).services["s1"]
    out = run_operation(None, RemoveService(web), read_only=True, journal_path=blocker / "j.jsonl")
    assert out.status == "refused"
    assert out.journal_error and "audit journal could not be written" in out.journal_error
