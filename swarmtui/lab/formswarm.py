"""Forming the lab's swarm from its started hosts, with the docker CLI on each host."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from swarmtui.lab.host import HostSpec, wait_until


def form_swarm(hosts: list[HostSpec], managers: int, members: int) -> None:
    """`docker swarm init` on the first host; the next `members - 1` join (`managers - 1` of
    them as managers, one at a time); wait until every member is Ready."""
    first, rest = hosts[0], hosts[1:members]
    first.docker(
        "swarm",
        "init",
        "--advertise-addr",
        first.address,
        "--listen-addr",
        f"{first.address}:2377",
    )
    manager_token = first.docker("swarm", "join-token", "-q", "manager")
    worker_token = first.docker("swarm", "join-token", "-q", "worker")
    join_to = f"{first.address}:2377"

    def join(h: HostSpec, token: str) -> None:
        h.docker(
            "swarm",
            "join",
            "--token",
            token,
            "--advertise-addr",
            h.address,
            "--listen-addr",
            f"{h.address}:2377",
            join_to,
            timeout=90,
        )

    # Managers join one at a time (each changes the raft membership); workers at once.
    for h in rest[: managers - 1]:
        join(h, manager_token)
    workers = rest[managers - 1 :]
    if workers:
        with ThreadPoolExecutor(max_workers=len(workers)) as pool:
            for f in [pool.submit(join, h, worker_token) for h in workers]:
                f.result()

    def all_ready() -> bool:
        out = first.docker(
            "node", "ls", "--format", "{{.Status}} {{.ManagerStatus}}", check=False
        )
        rows = [r.split() for r in out.splitlines() if r.strip()]
        ready = sum(1 for r in rows if r and r[0] == "Ready")
        mgrs = sum(1 for r in rows if len(r) > 1 and r[1] in ("Leader", "Reachable"))
        return ready == members and mgrs == managers

    wait_until("every node to be Ready", all_ready, 60, interval=0.2)
