"""Backups on the jump box: `NAME.tar.gz` (the manager's swarm directory) and `NAME.json`
(its manifest), both mode 0600, in the platformdirs user data dir's `backups/` (or
`--output`). An unlock key is written beside them (`NAME.unlock-key`, 0600) only when
asked for; the manifest then says so, and never holds the key itself.
"""

from __future__ import annotations

import json
import os
import re
import tarfile
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

FORMAT = 1
ARCHIVE_SUFFIX = ".tar.gz"
MANIFEST_SUFFIX = ".json"
KEY_SUFFIX = ".unlock-key"


class ManifestError(Exception):
    """A manifest or archive that cannot be used; the message says which and why."""


def default_dir() -> Path:
    """Where backups land by default: the platformdirs user data dir's `backups/`."""
    return platformdirs.user_data_path("swarmtui", appauthor=False) / "backups"


@dataclass(frozen=True)
class Manifest:
    """What a backup is of; written next to the archive."""

    swarm_id: str
    node_id: str
    hostname: str
    node_addr: str  # the manager's swarm address when backed up (advertise address)
    engine_version: str
    created: str  # UTC ISO 8601
    autolock: bool  # then the unlock key is needed to restore
    managers: int  # managers in the swarm at backup time
    docker_root: str  # the engine's data root ("/var/lib/docker")
    archive: str  # file name of the archive, beside the manifest
    size: int  # bytes
    sha256: str
    source: str  # the endpoint it was taken through ("ssh://root@node2")
    unlock_key_file: str = ""  # file name beside the manifest, when asked to store it
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = "manifest") -> Manifest:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{where} is not JSON ({exc.msg}, line {exc.lineno})") from exc
        if not isinstance(data, dict):
            raise ManifestError(f"{where} is not a JSON object")
        if data.get("format") != FORMAT:
            raise ManifestError(f"{where} has format {data.get('format')!r}; this swarmtui "
                                f"reads format {FORMAT}")
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, f in known.items():
            if name not in data:
                if f.default is not MISSING:  # has a default
                    continue
                raise ManifestError(f"{where} has no {name!r}")
            values[name] = data[name]
        types = {"autolock": bool, "managers": int, "size": int, "format": int}
        for name, value in values.items():
            want = types.get(name, str)
            if not isinstance(value, want) or (want is int and isinstance(value, bool)):
                raise ManifestError(f"{where}: {name!r} should be {want.__name__}, not "
                                    f"{type(value).__name__}")
        return cls(**values)

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.created)


def backup_name(hostname: str, when: datetime) -> str:
    """`swarm-HOST-20261201T031700Z`: sorts by time per host; only safe file characters."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", hostname) or "manager"
    return f"swarm-{safe}-{when.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def private_file(path: Path) -> int:
    """Open `path` for writing, created 0600 (never readable by others, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    return fd


def write_private(path: Path, text: str) -> None:
    with os.fdopen(private_file(path), "w", encoding="utf-8") as fh:
        fh.write(text)


@dataclass(frozen=True)
class Backup:
    """A manifest found on disk, with its files."""

    manifest: Manifest
    manifest_path: Path

    @property
    def archive_path(self) -> Path:
        return self.manifest_path.parent / self.manifest.archive

    @property
    def unlock_key_path(self) -> Path | None:
        if not self.manifest.unlock_key_file:
            return None
        return self.manifest_path.parent / self.manifest.unlock_key_file


def list_backups(directory: Path) -> tuple[list[Backup], list[str]]:
    """Every backup in `directory`, newest first, and a sentence per unreadable manifest."""
    found: list[Backup] = []
    problems: list[str] = []
    if not directory.is_dir():
        return found, problems
    for path in sorted(directory.glob(f"*{MANIFEST_SUFFIX}")):
        try:
            found.append(Backup(Manifest.from_json(path.read_text(encoding="utf-8"),
                                                   str(path)), path))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read it ({exc})")
        except ManifestError as exc:
            problems.append(str(exc))
    found.sort(key=lambda b: b.manifest.created, reverse=True)
    return found, problems


def find_backup(name: str, directory: Path) -> Backup:
    """A backup by archive path, manifest path, or name in `directory`. Raises ManifestError."""
    given = Path(name).expanduser()
    candidates = []
    for base in (given, directory / name):
        text = str(base)
        for suffix in (ARCHIVE_SUFFIX, MANIFEST_SUFFIX):
            if text.endswith(suffix):
                text = text[: -len(suffix)]
        candidates.append(Path(text + MANIFEST_SUFFIX))
    for manifest_path in candidates:
        if manifest_path.is_file():
            try:
                text = manifest_path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ManifestError(f"cannot read {manifest_path}: {exc}") from exc
            backup = Backup(Manifest.from_json(text, str(manifest_path)), manifest_path)
            if not backup.archive_path.is_file():
                raise ManifestError(f"the archive {backup.archive_path} named by "
                                    f"{manifest_path} is missing")
            return backup
    raise ManifestError(f"no backup {name!r}: no manifest at {candidates[0]} or in {directory} "
                        "(`swarmtui backup list` shows them)")


#: what a manager's swarm directory must hold to be restored
REQUIRED_MEMBERS = ("swarm/raft", "swarm/certificates/swarm-node.crt", "swarm/state.json")


def check_archive(path: Path) -> int:
    """Read the whole archive back (gzip and tar intact, a manager's files present); the
    number of members. Raises ManifestError."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            names = {m.name.removeprefix("./").rstrip("/") for m in tar}
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ManifestError(f"{path} is not a whole tar.gz archive ({exc})") from exc
    present = names | {str(p) for n in names for p in Path(n).parents}
    missing = [m for m in REQUIRED_MEMBERS if m not in present]
    if missing:
        raise ManifestError(f"{path} lacks {', '.join(missing)}: not a manager's swarm "
                            "directory")
    return len(names)
