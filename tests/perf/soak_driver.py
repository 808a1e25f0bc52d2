"""The soak's load, in a process of its own (so its RSS, threads and fds are its own):
a ClusterLink to the lab's node1, a poll every second (nodes, services with status,
tasks, networks — the lists the store makes), and churn (a service created, scaled,
removed in turn). Ends by itself after DURATION seconds; prints one JSON line.

    python -m tests.perf.soak_driver SSH_CONFIG DURATION
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import uuid

import docker.types

from swarmtui.connect.endpoint import parse_endpoint
from swarmtui.connect.hostkeys import fixed_trust
from swarmtui.connect.link import ClusterLink


async def main(ssh_config: str, duration: float) -> dict[str, float]:
    link = ClusterLink([parse_endpoint("node1")], trust=fixed_trust("never"),
                       ssh_config=[ssh_config], ping_interval=2.0)
    await link.connect()
    polls = errors = churn = 0
    worst_poll = 0.0
    live: list[str] = []
    prefix = f"soak-{uuid.uuid4().hex[:6]}"
    end = time.monotonic() + duration
    step = 0

    def poll() -> int:
        api = link.api
        return len(api.nodes()) + len(api.services(status=True)) + len(api.tasks()) \
            + len(api.networks())

    def churn_once(i: int) -> None:
        api = link.api
        if i % 3 == 0 or not live:
            spec = docker.types.TaskTemplate(docker.types.ContainerSpec(
                "busybox:latest", ["sleep", "3600"]))
            live.append(api.create_service(spec, name=f"{prefix}-{i}",
                                           mode=docker.types.ServiceMode("replicated", 1))["ID"])
        elif i % 3 == 1:
            sid = live[-1]
            svc = api.inspect_service(sid)
            api.update_service(sid, version=svc["Version"]["Index"],
                               task_template=svc["Spec"]["TaskTemplate"],
                               name=svc["Spec"]["Name"],
                               mode=docker.types.ServiceMode("replicated", 2))
        else:
            api.remove_service(live.pop(0))

    try:
        while time.monotonic() < end:
            started = time.monotonic()
            try:
                await asyncio.to_thread(poll)
                polls += 1
                if step % 3 == 0:
                    await asyncio.to_thread(churn_once, step // 3)
                    churn += 1
            except Exception:
                errors += 1
            step += 1
            took = time.monotonic() - started
            worst_poll = max(worst_poll, took)
            await asyncio.sleep(max(0.0, 1.0 - took))  # the 1 s poll, re-armed after each
    finally:
        for sid in live:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(link.api.remove_service, sid)
        await link.close()
    return {"polls": polls, "churn_ops": churn, "errors": errors,
            "worst_poll_s": round(worst_poll, 3)}


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], float(sys.argv[2])))
    print(json.dumps(result), flush=True)
