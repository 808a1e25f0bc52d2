"""The audit journal: one JSON line per attempted change to a cluster.

File: ``platformdirs.user_state_path("swarmtui", appauthor=False) / "audit.jsonl"``;
the environment variable ``SWARMTUI_STATE_DIR`` overrides the directory. Lines
are only ever appended. Every string is passed through
:func:`swarmtui.secrets.redact`, so no join token or unlock key is written.

Each line holds: ``time`` (UTC ISO 8601), ``user`` (local login), ``cluster``
(profile / cluster name), ``endpoint`` (the manager we talked to), ``operation``,
``target``, ``cli`` (the docker CLI equivalent), ``result`` ("ok", "error",
"refused") and ``error`` (text or null), plus optional ``detail``.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import platformdirs

from swarmtui.secrets import redact, redact_obj

JOURNAL_NAME = "audit.jsonl"
ENV_STATE_DIR = "SWARMTUI_STATE_DIR"


def state_dir() -> Path:
    """The swarmtui state directory (SWARMTUI_STATE_DIR, else the platformdirs one)."""
    env = os.environ.get(ENV_STATE_DIR)
    if env:
        return Path(env)
    return platformdirs.user_state_path("swarmtui", appauthor=False)


def journal_path() -> Path:
    """Where the audit journal lives."""
    return state_dir() / JOURNAL_NAME


def local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without passwd entry)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


@dataclass
class AuditEntry:
    """One attempted change."""

    operation: str
    target: str
    cli: str
    #: "ok", "error" or "refused"
    result: str
    error: str | None = None
    cluster: str = ""
    endpoint: str = ""
    user: str = field(default_factory=local_user)
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    detail: dict[str, Any] = field(default_factory=dict)


def record(entry: AuditEntry, path: Path | None = None) -> None:
    """Append one entry (redacted) as a JSON line; creates the directory if needed.

    Raises OSError if the journal cannot be written: a change that cannot be
    journaled should be reported to the user, not silently forgotten.
    """
    path = path or journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = redact_obj(asdict(entry))
    line = json.dumps(data, ensure_ascii=False, sort_keys=False)
    line = redact(line)  # belt and braces: nothing secret, even inside nested values
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def read_journal(path: Path | None = None) -> list[dict[str, Any]]:
    """All entries, oldest first. Unreadable lines are returned as {"unparsed": text}."""
    path = path or journal_path()
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            raw = raw.strip()
            if not raw:
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                out.append({"unparsed": redact(raw)})
                continue
            out.append(value if isinstance(value, dict) else {"unparsed": redact(raw)})
    return out


def format_entry(e: dict[str, Any]) -> str:
    """One readable line: time, result, user@cluster (endpoint), cli, error."""
    if "unparsed" in e:
        return f"?? {e['unparsed']}"
    result = str(e.get("result", "?"))
    mark = {"ok": "OK     ", "error": "ERROR  ", "refused": "REFUSED"}.get(result, result.upper())
    where = str(e.get("cluster") or "")
    if e.get("endpoint"):
        where = f"{where} ({e['endpoint']})" if where else str(e["endpoint"])
    who = f"{e.get('user', '?')}@{where}" if where else str(e.get("user", "?"))
    line = f"{e.get('time', '?')}  {mark}  {who}  {e.get('cli') or e.get('operation', '')}"
    if e.get("error"):
        line += f"\n    → {e['error']}"
    return redact(line)


def print_journal(out: TextIO | None = None, path: Path | None = None) -> int:
    """Print the journal readably (`swarmtui audit`). Returns a process exit code."""
    out = out or sys.stdout
    path = path or journal_path()
    try:
        entries = read_journal(path)
    except OSError as exc:
        print(f"cannot read the audit journal {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not entries:
        print(
            f"The audit journal is empty ({path}): no change has been made with swarmtui.", file=out
        )
        return 0
    print(f"Audit journal: {path} ({len(entries)} entries)", file=out)
    for e in entries:
        with contextlib.suppress(BrokenPipeError):
            print(format_entry(e), file=out)
    return 0
