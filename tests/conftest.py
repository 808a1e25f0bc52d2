"""Shared fixtures. The sandbox lab is the base of every test that touches Docker.

* `lab`: a running 3-host swarm (1 manager), brought up once per session and torn
  down at the end, also on failure. Tests that only read (or that restore what
  they change) use it.
* `make_lab(nodes=, managers=, swarm=)`: a fresh lab of its own for a test that
  breaks things (stops dockerd, changes keys, promotes nodes); torn down after.

Lab names come from SWARMTUI_TEST_LAB (default "t"), so two test runs on one
machine can use different prefixes and never collide; under pytest-xdist each worker
adds a letter of its own (gw0 → "a", gw1 → "b", …). A module's own lab takes its name
from `lab_name(suffix)`, never from a fixed string.

pytest-xdist (tests/run.sh runs `-n N --dist loadgroup`): a test that uses a fixture of
module (or class) scope, or a session fixture defined in its own test module, is put in
the xdist group of its module, so the module's lab is brought up once, on one worker.
Anything else runs wherever there is room. Machine-wide state that is not a lab (users,
/etc/sudoers.d files) is changed under `machine_lock(name)`.

Under CI=true, a lab test that would skip fails instead: a missing install step
must not hide behind a skip.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from swarmtui.lab import Lab, LabError, preflight

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
#: "gw0", "gw1", … under pytest-xdist; "" without it
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_letter(worker: str) -> str:
    if not worker:
        return ""
    n = int(worker.removeprefix("gw"))
    if n >= 26:
        raise RuntimeError(f"at most 26 xdist workers can each have a lab prefix, not {n + 1}")
    return chr(ord("a") + n)


PREFIX = os.environ.get("SWARMTUI_TEST_LAB", "t")[:4] + _worker_letter(WORKER)
_counter = itertools.count(1)


def lab_name(suffix: str) -> str:
    """The name of a module's own lab: this run's (and this worker's) prefix + `suffix`
    (1-2 lowercase letters, none a digit, so it never meets a `make_lab` name)."""
    assert suffix.isalpha() and suffix.islower() and len(suffix) <= 2, suffix
    return f"{PREFIX}{suffix}"


@contextlib.contextmanager
def machine_lock(name: str) -> Iterator[None]:
    """Serialise a change to machine-wide state (users, /etc files) between xdist workers
    and between test runs: `useradd`/`chpasswd` fail when another one holds /etc/passwd."""
    with open(f"/run/swarmtui-test-{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("lab") is not None:
        report.outcome = "failed"
        report.longrepr = (
            f"lab test skipped under CI=true (a skip is a failure here): {report.longrepr}"
        )


def _shares_module_state(item: pytest.Item) -> bool:
    """Whether `item` uses a fixture that lives longer than one test and belongs to its
    module: module/class/package scope, or session scope defined in the test module."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name in item.fixturenames:
        defs = info.name2fixturedefs.get(name)
        if not defs:
            continue
        fixture = defs[-1]
        if fixture.scope in ("module", "class", "package"):
            return True
        if fixture.scope == "session" and fixture.baseid.endswith(".py"):
            return True
    return False


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/lab/" in str(item.fspath) or "/tests/perf/" in str(item.fspath):
            item.add_marker(pytest.mark.lab)
        if item.get_closest_marker("xdist_group") is None and _shares_module_state(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    if WORKER:
        # Under xdist the slow (lab) tests are handed out first, so the fast ones fill
        # the gaps at the end instead of a lab module starting last. Every worker sorts
        # the same way (xdist checks that the collections are equal).
        items.sort(key=lambda item: item.get_closest_marker("lab") is None)


def _lab_or_skip() -> None:
    try:
        preflight.check()
    except LabError as exc:
        msg = f"the sandbox lab cannot run here: {exc}"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("labs")


@pytest.fixture(scope="session")
def lab(lab_root: Path) -> Iterator[Lab]:
    """A 3-host swarm with node1 as the only manager, for the whole session."""
    _lab_or_skip()
    lab = Lab(lab_name("s"), root=lab_root)
    lab.up(nodes=3, managers=1)
    try:
        yield lab
    finally:
        lab.down()


@pytest.fixture
def make_lab(lab_root: Path) -> Iterator[Callable[..., Lab]]:
    """Factory for fresh labs owned by one test; all torn down after it."""
    _lab_or_skip()
    made: list[Lab] = []

    def make(
        nodes: int = 3, managers: int = 1, swarm: bool = True, members: int | None = None
    ) -> Lab:
        lab = Lab(f"{PREFIX}{next(_counter)}", root=lab_root)
        made.append(lab)
        lab.up(nodes=nodes, managers=managers, swarm=swarm, members=members)
        return lab

    try:
        yield make
    finally:
        for lab in made:
            lab.down()


class SshForward:
    """An OpenSSH `-L` forward of a lab host's docker socket to a local socket.

    A plain, real-SSH way for tests of the domain layer to reach a lab manager
    without depending on swarmtui's own tunnel (tested in tests/lab/test_connect*).
    """

    def __init__(self, lab: Lab, host: str, sock: Path) -> None:
        import subprocess

        self.sock = sock
        self.proc = subprocess.Popen(
            lab.ssh_argv(host)[:-1]
            + [
                "-N",
                "-o",
                "ExitOnForwardFailure=yes",
                "-o",
                "StreamLocalBindUnlink=yes",
                "-L",
                f"{sock}:/var/run/docker.sock",
                host,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        from tests.waiting import wait_for

        wait_for(
            f"the ssh forward to {host}", lambda: sock.exists() or self.proc.poll() is not None, 15
        )
        if self.proc.poll() is not None:
            raise RuntimeError(f"ssh -L to {host} failed: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]

    @property
    def base_url(self) -> str:
        return f"unix://{self.sock}"

    def close(self) -> None:
        import subprocess

        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # ssh busy with a channel under load: kill it
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def ssh_forward(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[Lab, str], SshForward]]:
    """`ssh_forward(lab, "node1").base_url` → a docker socket URL reached over real SSH."""
    opened: list[SshForward] = []

    def open_(lab: Lab, host: str = "node1") -> SshForward:
        d = tmp_path_factory.mktemp("fwd")
        fwd = SshForward(lab, host, d / "docker.sock")
        opened.append(fwd)
        return fwd

    yield open_
    for fwd in opened:
        fwd.close()
