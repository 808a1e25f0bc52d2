"""Faults on a real lab, survived by the connection layer — each prints its figure.

One 3-manager lab for the module; every test puts back what it breaks. Faults are
made with the lab CLI (`swarmtui lab stop|start HOST PART`), as an admin practising
triage would, plus what the CLI cannot do: killing every sshd process of a host
(a crash, not a clean stop) and a slow link through a delaying TCP proxy.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker.errors
import pytest

from swarmtui.connect import ClusterLink, LinkState, LinkStatus, fixed_trust, parse_endpoint
from swarmtui.lab import Lab
from tests.conftest import PREFIX, _lab_or_skip
from tests.waiting import async_wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def faultlab(lab_root: Path) -> Iterator[Lab]:
    _lab_or_skip()
    lab = Lab(f"{PREFIX}f", root=lab_root)
    lab.up(nodes=3, managers=3)
    try:
        yield lab
    finally:
        lab.down()


def lab_cli(lab: Lab, *args: str) -> str:
    """`swarmtui lab …` for this lab, as a user runs it."""
    env = {**os.environ, "SWARMTUI_LAB_DIR": str(lab.dir.parent), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "swarmtui", "lab", *args, "--name", lab.name],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def link_to(lab: Lab, host: str, **kw) -> ClusterLink:  # type: ignore[no-untyped-def]
    return ClusterLink([parse_endpoint(host)], trust=fixed_trust("never"),
                       ssh_config=[lab.ssh_config], **kw)


class ApiCaller:
    """What the app's refresher does: list nodes now and then; a call that fails in
    transport is reported to the link (`report_failure`), which decides with a ping
    whether it is lost. An answer from the engine (e.g. 503 "not a swarm manager" while
    it shuts down) is not a lost link: the app shows it in the snapshot instead."""

    def __init__(self, link: ClusterLink, every: float = 0.2) -> None:
        self.link = link
        self.every = every
        self.errors: list[BaseException] = []
        self.answered: list[docker.errors.APIError] = []
        self.ok = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.link.api.nodes()
                self.ok += 1
            except docker.errors.APIError as exc:
                self.answered.append(exc)
            except Exception as exc:
                self.errors.append(exc)
                self.link.report_failure(exc)
            self._stop.wait(self.every)

    def __enter__(self) -> ApiCaller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


async def test_failover_status_line_is_a_sentence(faultlab: Lab) -> None:
    """Issue 15 item 15: after a failover the status said "failed over from node1
    (('Connection aborted.', RemoteDisconnected(…)))"; now it is a sentence."""
    seen: list[LinkStatus] = []
    # a long ping interval: only the failed API call (reported) starts the failover
    link = link_to(faultlab, "node1", on_change=seen.append, ping_interval=30.0,
                   refresh_interval=2.0)
    try:
        await link.connect()
        await async_wait_for("learned managers", lambda: len(link.manager_endpoints()) == 3, 15)
        with ApiCaller(link) as caller:
            await async_wait_for("a first good call", lambda: caller.ok > 0, 10)
            started = time.monotonic()
            stop = asyncio.create_task(asyncio.to_thread(lab_cli, faultlab, "stop", "node1"))
            await async_wait_for("the link to fail over", lambda: link.status.state is
                                 LinkState.CONNECTED and link.endpoint is not None
                                 and link.endpoint.host != "node1", 30)
            elapsed = time.monotonic() - started
            await stop
        note = link.status.note or ""
        shown = link.status.message
        print(f"\nfailover after {elapsed:.1f} s; status line: {shown!r}")
        assert caller.errors, "no API call failed: the failover was not driven by a report"
        # what was reported carried the raw tuple text the status line used to show
        assert any(str(e).startswith("('Connection aborted.'") for e in caller.errors), \
            [str(e) for e in caller.errors]
        assert note.startswith("failed over from node1: an API call failed ("), note
        for raw in ("('", "((", "Error(", "Disconnected(", "object at"):
            assert raw not in shown, (raw, shown)
    finally:
        await link.close()
        await asyncio.to_thread(lab_cli, faultlab, "start", "node1")


LINK_HOLDER = """
import asyncio, sys
from swarmtui.connect import ClusterLink, fixed_trust, parse_endpoint

async def main() -> None:
    link = ClusterLink([parse_endpoint("node1")], trust=fixed_trust("never"),
                       ssh_config=[sys.argv[1]])
    await link.connect()
    print(link.engine.base_url.removeprefix("unix://"), flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_killed_swarmtui_leaves_no_socket_dir(faultlab: Lab, tmp_path: Path,
                                                sig: signal.Signals) -> None:
    """Issue 15 item 11: a process holding a real SSH tunnel, killed by SIGTERM or SIGHUP
    (a closed terminal), removes its /tmp/swarmtui-* directory; one killed by SIGKILL
    leaves it, and the next start sweeps it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}

    def start() -> tuple[subprocess.Popen[str], Path]:
        proc = subprocess.Popen([sys.executable, "-c", LINK_HOLDER, str(faultlab.ssh_config)],
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None
        sock = Path(proc.stdout.readline().strip())
        assert sock.is_socket() and sock.parent.name.startswith("swarmtui-"), sock
        return proc, sock.parent

    proc, sockdir = start()
    started = time.monotonic()
    proc.send_signal(sig)
    assert proc.wait(15) == -sig
    print(f"\n{sig.name}: {sockdir} gone {time.monotonic() - started:.2f} s after the signal: "
          f"{not sockdir.exists()}")
    assert not sockdir.exists()

    killed, left = start()
    killed.kill()
    killed.wait(15)
    assert left.exists()  # SIGKILL: nothing could clean up
    again, mine = start()  # the next swarmtui sweeps it
    try:
        assert not left.exists() and mine.exists()
    finally:
        again.terminate()
        again.wait(15)
    assert not mine.exists()
