"""How to stop and start the Docker Engine on a host: found once, over SSH, used by anything
that must take the engine down (backup, restore, a daemon restart).

`detect_engine_control(runner)` asks the host which service manager runs dockerd: the
sandbox lab's own script (each lab host has `/etc/docker/swarmtui-lab-dockerd`), systemd
(with `docker.socket` stopped too when it exists, or socket activation would start the
engine again at the first API call), sysvinit's `service`, or OpenRC. The answer carries
the exact shell commands, which the callers show and journal as they are.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from swarmtui.bootstrap.remote import CommandResult, CommandRunner

LAB_SCRIPT = "/etc/docker/swarmtui-lab-dockerd"

DETECT_SCRIPT = (  # prints the kind: a key of CONTROLS, or "none"
    f"if [ -x {LAB_SCRIPT} ]; then echo lab; "
    "elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then "
    "  if systemctl cat docker.socket >/dev/null 2>&1; then echo systemd-socket; "
    "  else echo systemd; fi; "
    "elif command -v rc-service >/dev/null 2>&1 && [ -e /etc/init.d/docker ] "
    "  && [ -d /run/openrc ]; then echo openrc; "
    "elif command -v service >/dev/null 2>&1 && [ -e /etc/init.d/docker ]; then echo sysvinit; "
    "else echo none; fi"
)

#: true (exit 0) when no dockerd owns the default pid file any more
_STOPPED = (
    "p=$(cat /var/run/docker.pid 2>/dev/null); "
    "[ -z \"$p\" ] || [ ! -d /proc/$p ] || grep -q '^State:.*Z' /proc/$p/status"
)


class EngineControlError(Exception):
    """The engine cannot be stopped or started here; the message says why."""


@dataclass(frozen=True)
class EngineControl:
    """The way this host's engine is stopped and started."""

    kind: str  # "lab", "systemd", "systemd-socket", "openrc", "sysvinit"
    stop: str  # shell command (run as root)
    start: str

    @property
    def label(self) -> str:
        return {"lab": "the lab's engine script", "systemd-socket": "systemd (docker.socket too)",
                }.get(self.kind, self.kind)


CONTROLS = {
    "lab": EngineControl("lab", f"{LAB_SCRIPT} stop", f"{LAB_SCRIPT} start"),
    "systemd": EngineControl("systemd", "systemctl stop docker", "systemctl start docker"),
    "systemd-socket": EngineControl("systemd-socket", "systemctl stop docker.socket docker",
                                    "systemctl start docker.socket docker"),
    "openrc": EngineControl("openrc", "rc-service docker stop", "rc-service docker start"),
    "sysvinit": EngineControl("sysvinit", "service docker stop", "service docker start"),
}


async def detect_engine_control(runner: CommandRunner) -> EngineControl:
    """Which service manager runs dockerd on the host. Raises EngineControlError."""
    res = await runner.run(DETECT_SCRIPT, timeout=20)
    kind = res.stdout.strip().splitlines()[-1] if res.ok and res.stdout.strip() else ""
    if kind in CONTROLS:
        return CONTROLS[kind]
    if not res.ok:
        raise EngineControlError(f"cannot ask the host how dockerd is run: {res.output}")
    raise EngineControlError(
        "no service manager for dockerd was found (no systemd, OpenRC or /etc/init.d/docker): "
        "stop and start the engine by hand")


async def engine_stopped(runner: CommandRunner) -> bool:
    return (await runner.run(_STOPPED, timeout=15)).ok


async def stop_engine(runner: CommandRunner, control: EngineControl,
                      deadline_s: float = 90) -> CommandResult:
    """Run the stop command, then wait until no dockerd is left. Raises EngineControlError."""
    res = await _control(runner, control.stop, deadline_s)
    end = time.monotonic() + deadline_s
    while not await engine_stopped(runner):
        if time.monotonic() > end:
            raise EngineControlError(f"dockerd was still running {deadline_s:g} s after "
                                     f"`{control.stop}`")
        await asyncio.sleep(0.2)
    return res


async def start_engine(runner: CommandRunner, control: EngineControl,
                       deadline_s: float = 90) -> CommandResult:
    """Run the start command. Raises EngineControlError if it fails."""
    return await _control(runner, control.start, deadline_s)


async def _control(runner: CommandRunner, command: str, deadline_s: float) -> CommandResult:
    """Run one engine control command as root. Raises EngineControlError if it fails."""
    res = await runner.run(command, sudo=True, timeout=deadline_s)
    if not res.ok:
        raise EngineControlError(f"`{command}` failed (exit {res.exit_status}): "
                                 f"{res.output or 'no output'}")
    return res
