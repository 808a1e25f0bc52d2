"""Apply a plan step by step, with live output, stopping at the first failure.

Before each step its `check` runs again on the host: a step done since the plan was made
(or by a previous, interrupted run) is skipped, so running again continues from where
the host is. The join token is fetched from the cluster just before the join, fed to the
host on stdin (never on a command line of ours), and masked in every event, log line and
error.

`HostBootstrap` ties it together for a wizard screen: `probe()` → `plan()` → `apply()`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from swarmtui.bootstrap.facts import HostFacts, assess
from swarmtui.bootstrap.plan import (
    TOKEN_VAR,
    Plan,
    PlanOptions,
    Role,
    Step,
    export_script,
    make_plan,
)
from swarmtui.bootstrap.probe import PREFIX, ClusterContext, Probe, probe_host, read_cluster
from swarmtui.bootstrap.remote import CommandRunner, Stream
from swarmtui.secrets import Secret, redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.ops.runner import EngineSource
from swarmtui.swarm.swarmkeys import fetch_join_token
from swarmtui.swarm.swarmspec import SwarmSpecError

log = logging.getLogger("swarmtui.bootstrap")

EventKind = Literal["start", "command", "output", "skip", "done", "fail", "blocked", "wait",
                    "finished"]
TokenSource = Callable[[], Awaitable[Secret]]


@dataclass(frozen=True)
class ApplyEvent:
    """One thing that happened while applying; `text` is already redacted.

    start (step begins) · command (a command about to run, as shown) · output (a chunk of
    its output, `stream` set) · skip (already done) · done · fail (`text`: what to do) ·
    blocked (`text`: why) · wait (waiting for the node to be Ready) · finished."""

    kind: EventKind
    step: Step | None = None
    text: str = ""
    stream: Stream | None = None


EventCallback = Callable[[ApplyEvent], None]


@dataclass(frozen=True)
class ApplyResult:
    ok: bool  # no step failed
    done: tuple[str, ...]  # steps run now
    skipped: tuple[str, ...]  # steps already satisfied
    blocked: Step | None = None  # the run stopped before this step (see its .blocked)
    failed: Step | None = None
    output: str = ""  # the failed command's output (redacted)
    advice: str = ""  # what to do about the failure
    node_id: str = ""
    node_ready: bool | None = None  # after a join: seen Ready by the manager

    @property
    def complete(self) -> bool:
        return self.ok and self.blocked is None

    @property
    def message(self) -> str:
        if self.failed is not None:
            return f"{self.failed.title} failed. {self.advice}"
        if self.blocked is not None:
            return f"Stopped before “{self.blocked.title}”: {self.blocked.blocked}"
        if not self.done:
            return "Nothing to do: the host is already as planned."
        return f"Done: {fmt.count(len(self.done), 'step')} applied."


def api_token_source(engine: EngineSource, role: Role) -> TokenSource:
    """Fetch the current join token from a manager (blocking API in a thread)."""

    async def source() -> Secret:
        return await asyncio.to_thread(lambda: fetch_join_token(engine.api(), role))

    return source


async def apply_plan(
    plan: Plan,
    runner: CommandRunner,
    *,
    join_token: TokenSource | None = None,
    on_event: EventCallback | None = None,
) -> ApplyResult:
    """Run the plan's pending steps in order; stop at the first failure or blocked step."""
    emit = on_event or (lambda _e: None)
    done: list[str] = []
    skipped: list[str] = []
    for step in plan.steps:
        if step.satisfied:
            skipped.append(step.key)
            emit(ApplyEvent("skip", step, step.reason or "already satisfied"))
            continue
        if step.blocked is not None:
            emit(ApplyEvent("blocked", step, step.blocked))
            log.info("bootstrap %s: stopped before %s: %s", plan.host, step.key, step.blocked)
            return ApplyResult(True, tuple(done), tuple(skipped), blocked=step)
        emit(ApplyEvent("start", step))
        if step.check:
            res = await runner.run(PREFIX + step.check, sudo=True, timeout=60)
            if res.ok:
                skipped.append(step.key)
                emit(ApplyEvent("skip", step, "already done on the host"))
                continue
        token: Secret | None = None
        if step.needs_join_token:
            if join_token is None:
                return _failed(plan, step, done, skipped, emit, "",
                               "No way to fetch a join token was given (connect to a manager).")
            try:
                token = await join_token()
            except SwarmSpecError as exc:
                return _failed(plan, step, done, skipped, emit, str(exc),
                               "The join token could not be read from the manager.")
            if not token:
                return _failed(plan, step, done, skipped, emit, "",
                               "The manager returned no join token.")
        for command in step.commands:
            emit(ApplyEvent("command", step, command))
            log.info("bootstrap %s: %s: %s", plan.host, step.key, redact(command))

            def out(stream: Stream, text: str, step: Step = step,
                    token: Secret | None = token) -> None:
                emit(ApplyEvent("output", step, redact(text, token), stream))

            line, stdin = PREFIX + command, None
            if token is not None:
                line = PREFIX + f"IFS= read -r {TOKEN_VAR} && " + command
                stdin = token.reveal().encode() + b"\n"
            started = time.monotonic()
            res = await runner.run(line, sudo=True, input=stdin, timeout=step.timeout,
                                   on_output=out)
            log.info("bootstrap %s: %s: exit %d in %.1f s", plan.host, step.key,
                     res.exit_status, time.monotonic() - started)
            if not res.ok:
                return _failed(plan, step, done, skipped, emit,
                               redact(res.output, token) or f"exit status {res.exit_status}",
                               step.advice)
        done.append(step.key)
        emit(ApplyEvent("done", step))
    return ApplyResult(True, tuple(done), tuple(skipped))


def _failed(plan: Plan, step: Step, done: list[str], skipped: list[str], emit: EventCallback,
            output: str, advice: str) -> ApplyResult:
    output = redact(output)
    log.warning("bootstrap %s: step %s failed: %s", plan.host, step.key, output[-2000:])
    emit(ApplyEvent("fail", step, advice))
    return ApplyResult(False, tuple(done), tuple(skipped), failed=step, output=output,
                       advice=advice)


# ----------------------------------------------------------------------------- a wizard's API


@dataclass
class HostBootstrap:
    """One host being brought into the swarm.

    runner: commands on the new host (e.g. `SshRunner(conn, sudo_password=…)`);
    engine: where the blocking docker client on a manager of the swarm comes from
    (anything with ``api()``: the app's store, or a ``FixedEngine``);
    host: how the user named the host (for titles and the exported script).

    All methods are async; the blocking API calls go to threads.
    """

    runner: CommandRunner
    engine: EngineSource
    host: str = ""
    options: PlanOptions = field(default_factory=PlanOptions)
    cluster: ClusterContext | None = None
    raw: Probe | None = None
    facts: HostFacts | None = None
    current_plan: Plan | None = None

    async def probe(self) -> HostFacts:
        """Read the cluster, probe the host (read-only) and assess: the checklist is
        `facts.checks`."""
        try:
            self.cluster = await asyncio.to_thread(lambda: read_cluster(self.engine.api()))
        except Exception as exc:  # the docker client raises many kinds
            raise SwarmSpecError(f"Reading the swarm from the manager failed: {exc}") from None
        self.raw = await probe_host(self.runner, self.cluster)
        self.facts = assess(self.raw, self.cluster)
        return self.facts

    def plan(self, options: PlanOptions | None = None) -> Plan:
        if self.facts is None:
            raise RuntimeError("probe() first")
        if options is not None:
            self.options = options
        self.current_plan = make_plan(self.facts, self.options, host=self.host)
        return self.current_plan

    async def export(self, reveal_token: bool = False) -> str:
        plan = self.current_plan or self.plan()
        if reveal_token:
            token = await asyncio.to_thread(
                lambda: fetch_join_token(self.engine.api(), self.options.role))
            plan = plan.with_join_token(token)
        return export_script(plan, reveal_token=reveal_token)

    async def apply(self, on_event: EventCallback | None = None, *, reprobe: bool = True,
                    ready_timeout: float = 60) -> ApplyResult:
        """Re-probe and re-plan (the host may have changed), apply, and after a join wait
        until the manager sees the node Ready."""
        if reprobe or self.facts is None:
            await self.probe()
        plan = self.plan()
        result = await apply_plan(plan, self.runner,
                                  join_token=api_token_source(self.engine, self.options.role),
                                  on_event=on_event)
        if result.ok and "join" in result.done:
            result = await self._wait_ready(result, on_event, ready_timeout)
        if on_event is not None:
            on_event(ApplyEvent("finished", None, result.message))
        return result

    async def _wait_ready(self, result: ApplyResult, on_event: EventCallback | None,
                          timeout: float) -> ApplyResult:
        from dataclasses import replace

        res = await self.runner.run(PREFIX + "docker info --format '{{.Swarm.NodeID}}'",
                                    sudo=True, timeout=30)
        node_id = res.stdout.strip()
        if not node_id:
            return replace(result, node_ready=False)
        if on_event is not None:
            on_event(ApplyEvent("wait", None, f"waiting for node {node_id[:12]} to be Ready"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                node = await asyncio.to_thread(lambda: self.engine.api().inspect_node(node_id))
                if (node.get("Status") or {}).get("State") == "ready":
                    return replace(result, node_id=node_id, node_ready=True)
            except Exception:  # noqa: BLE001 - the node may not be known yet
                log.debug("node %s not visible yet", node_id[:12])
            await asyncio.sleep(0.5)
        return replace(result, node_id=node_id, node_ready=False)


HostEventCallback = Callable[[str, ApplyEvent], None]


async def apply_many(
    hosts: list[HostBootstrap], on_event: HostEventCallback | None = None
) -> dict[str, ApplyResult]:
    """Several hosts at once: each is re-probed and applied concurrently, except that
    manager joins run one at a time (each changes the raft membership). Events carry the
    host's name. Results by host name; one host's failure does not stop the others."""
    manager_gate = asyncio.Lock()

    async def one(b: HostBootstrap) -> tuple[str, ApplyResult]:
        def emit(e: ApplyEvent) -> None:
            if on_event is not None:
                on_event(b.host, e)

        if b.options.role == "manager":
            async with manager_gate:
                return b.host, await b.apply(emit)
        return b.host, await b.apply(emit)

    names = [b.host for b in hosts]
    if len(set(names)) != len(names):
        raise ValueError("give every host a distinct name")
    pairs = await asyncio.gather(*(one(b) for b in hosts))
    return dict(pairs)
