"""Before an image update: is the image on any node, and can its registry be reached?

The manager's engine asks the registry (`GET /distribution/NAME/json`, what `docker
service update` does to pin a digest); each Ready node is asked over its SSH connection
(`docker image inspect`, in parallel, bounded). Blocking: call from a worker thread.
Nothing here changes anything; the answer is words for the confirmation.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from swarmtui.connect.errors import ConnectError
from swarmtui.connect.nodes import NodePool, RemoteResult
from swarmtui.secrets import redact
from swarmtui.swarm.fetch import describe_error
from swarmtui.swarm.models import Node
from swarmtui.swarm.ops.base import DockerAPI, GuardResult

#: seconds each node may take to answer
NODE_TIMEOUT = 6.0


@dataclass(frozen=True)
class ImageCheck:
    image: str
    #: hostnames whose engine has the image
    on: tuple[str, ...]
    #: hostnames that answered (with or without it)
    asked: tuple[str, ...]
    #: why the nodes could not be asked ("" when they were)
    nodes_unchecked: str
    #: the registry's error, "" when it answered
    registry_error: str

    def verdict(self) -> GuardResult:
        """Warnings and preview lines for the confirmation."""
        img = self.image
        if self.on:
            others = " (the others pull it)" if len(self.on) < len(self.asked) else ""
            return GuardResult(preview=(f"{img} is on {', '.join(self.on)}{others}",))
        if not self.registry_error:
            where = "on no node" if self.asked else "not checked on the nodes"
            return GuardResult(preview=(f"{img} is {where}: each node pulls it from its "
                                        "registry, which answered",))
        fails = ("the new tasks will fail and the update pause (R then rolls back)")
        if self.asked and not self.nodes_unchecked:
            return GuardResult(warnings=(
                f"{img} is on no node and its registry cannot be reached "
                f"({self.registry_error}): {fails}",))
        why = self.nodes_unchecked or "no node answered"
        return GuardResult(warnings=(
            f"{img} could not be checked: its registry cannot be reached "
            f"({self.registry_error}) and the nodes were not asked ({why}); if no node has "
            f"it, {fails}",))


def short_registry_error(text: str) -> str:
    """ "registry-1.docker.io: network is unreachable" from the engine's long chain
    ("Get "https://registry-1.docker.io/v2/": dial tcp: lookup … : connect: network is …")."""
    host = re.search(r"https?://([^/\"\s]+)", text)
    last = text.rsplit(": ", 1)[-1].strip()
    return (f"{host.group(1)}: {last}" if host else last)[:160]


def check_image(api: DockerAPI, image: str, nodes: Sequence[Node],
                pool: NodePool | None) -> ImageCheck:
    """Ask the registry (through the manager) and every Ready node (over SSH)."""
    registry_error = ""
    try:
        api.inspect_distribution(image)
    except Exception as exc:  # noqa: BLE001 - any answer but a digest is "cannot be reached"
        registry_error = short_registry_error(redact(describe_error(exc)))
    ready = [n for n in nodes if n.state == "ready"]
    if pool is None:
        return ImageCheck(image, (), (), "no SSH to the nodes in this session", registry_error)
    try:
        answers = pool.call(_ask_nodes(pool, image, ready), NODE_TIMEOUT + 10)
    except (ConnectError, TimeoutError) as exc:
        return ImageCheck(image, (), (), redact(str(exc)), registry_error)
    answers = dict(sorted(answers.items()))
    on = tuple(h for h, r in answers.items() if isinstance(r, RemoteResult)
               and r.exit_status == 0 and r.stdout.strip())
    asked = tuple(h for h, r in answers.items() if isinstance(r, RemoteResult))
    unasked = [f"{h}: {redact(str(r)) or type(r).__name__}" for h, r in answers.items()
               if not isinstance(r, RemoteResult)]
    why = "; ".join(unasked)[:300] if unasked and not on else ""
    return ImageCheck(image, on, asked, why, registry_error)


async def _ask_nodes(pool: NodePool, image: str, nodes: Sequence[Node]
                     ) -> dict[str, RemoteResult | BaseException]:
    command = f"docker image inspect --format '{{{{.Id}}}}' {shlex.quote(image)}"
    results = await asyncio.gather(*(pool.run(n.hostname, command, address=n.address,
                                              timeout=NODE_TIMEOUT) for n in nodes),
                                   return_exceptions=True)
    return {n.hostname: r for n, r in zip(nodes, results, strict=True)}
