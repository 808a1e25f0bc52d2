"""Where labs keep their state and how it is read and written: the per-user labs
directory, `LabState` (state.json), the machine-wide lock that serialises slot allocation
and clean-up, and the per-lab lock around a read-change-write of state.json."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs

from swarmtui.lab.host import HostSpec

LOCK_PATH = Path("/run/swarmtui-lab.lock")


def labs_root() -> Path:
    env = os.environ.get("SWARMTUI_LAB_DIR")
    if env:
        return Path(env)
    return platformdirs.user_state_path("swarmtui", appauthor=False) / "lab"


@contextlib.contextmanager
def global_lock() -> Iterator[None]:
    """Serialise slot allocation and clean-up between labs on one machine."""
    LOCK_PATH.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK_PATH, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def state_lock(lab_dir: Path) -> Iterator[None]:
    """Serialise read-change-write of one lab's state.json between processes."""
    with open(lab_dir / "state.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class LabState:
    name: str
    slot: int
    managers: int
    swarm: bool
    hosts: list[HostSpec] = field(default_factory=list)
    created: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> LabState:
        raw = json.loads(text)
        raw["hosts"] = [HostSpec(**h) for h in raw["hosts"]]
        return cls(**raw)
