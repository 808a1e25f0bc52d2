"""A `Lab` object held for a while must not work from (or write back) a stale
state.json: another process (`swarmtui lab stop/start …`) may have changed it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from swarmtui.lab import Lab, LabState
from swarmtui.lab.host import HostSpec, pid_alive


def _write_state(root: Path, name: str) -> None:
    hosts = [HostSpec(name=f"node{i}", index=i, address=f"100.64.9.{10 + i}", prefix=24,
                      netns=f"stl-{name}-{i}", veth=f"stl-{name}-{i}",
                      cgroup=f"swarmtui-lab/{name}/node{i}", dir=str(root / name / f"node{i}"))
             for i in (1, 2)]
    (root / name).mkdir(parents=True)
    (root / name / "state.json").write_text(
        LabState(name, 9, 1, True, hosts, created=1.0).to_json())


def _other_process_sets(root: Path, name: str, host: str, **fields: int) -> None:
    """What `swarmtui lab start sshd node2` in another process leaves in state.json."""
    path = root / name / "state.json"
    raw = json.loads(path.read_text())
    for h in raw["hosts"]:
        if h["name"] == host:
            h.update(fields)
    path.write_text(json.dumps(raw))


def test_a_held_lab_sees_and_keeps_what_another_process_changed(tmp_path: Path) -> None:
    _write_state(tmp_path, "st")
    held = Lab("st", root=tmp_path)  # a test's lab, loaded before the change
    sshd = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _other_process_sets(tmp_path, "st", "node2", sshd_pid=sshd.pid)
        held.stop_sshd("node2")  # must stop the sshd that runs now, not the one it read
        sshd.wait(timeout=10)
        assert not pid_alive(sshd.pid)
    finally:
        sshd.kill()
        sshd.wait()

    _other_process_sets(tmp_path, "st", "node1", dockerd_pid=4242)
    held.stop_sshd("node2")  # a change of node2 saved by the held lab ...
    fresh = Lab("st", root=tmp_path)
    assert fresh.host("node1").dockerd_pid == 4242  # ... keeps the other process's node1
    assert fresh.host("node2").sshd_pid == 0
