"""The swarm spec on a blocking `docker.APIClient`: read it (`inspect`) and update it
(`update_spec`), and `SwarmSpecError`, the error every swarm-level operation raises.

Swarm updates always send the **whole** current spec from `inspect_swarm()["Spec"]`
with its version index, and retry on "update out of sequence". docker-py's high-level
`client.swarm.update(rotate_…)` builds an almost empty spec and silently turns autolock
off; nothing here does that.

The operations built on it live beside it, one job each: `swarminit` (init and advertise
addresses), `swarmkeys` (join tokens, autolock, unlock keys), `swarmsettings` (settings,
CA info), `swarmleave` (leave, force-new-cluster). Every operation has the exact
`docker …` CLI equivalent (with secrets masked) so a screen can show it before
confirming and the audit journal can record it.

Secrets: join tokens (SWMTKN-1-…) and unlock keys (SWMKEY-1-…) travel as
`swarmtui.secrets.Secret` objects whose str/repr are masked. No exception raised from
these modules carries one: docker errors are re-raised by `docker_errors` as
`SwarmSpecError` with a redacted message and no chained cause.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import docker
import docker.errors

from swarmtui.secrets import redact
from swarmtui.swarm.ops.base import UPDATE_ATTEMPTS, retry_out_of_sequence

Role = Literal["worker", "manager"]

class SwarmSpecError(Exception):
    """A swarm operation failed. The message says what happened and what to do; it never
    holds a token or key."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


def _api_message(exc: BaseException) -> str:
    if isinstance(exc, docker.errors.APIError):
        explanation = exc.explanation
        if isinstance(explanation, bytes):
            explanation = explanation.decode(errors="replace")
        return redact(str(explanation or exc))
    return redact(str(exc) or type(exc).__name__)


@contextmanager
def docker_errors(what: str, hint: str = "") -> Iterator[None]:
    """Turn any docker/transport error into a SwarmSpecError with no chained cause
    (a chained APIError could carry a request body with a secret into a traceback)."""
    message: str | None = None
    try:
        yield
    except SwarmSpecError:
        raise
    except (docker.errors.DockerException, OSError, ValueError) as exc:
        message = f"{what} failed: {_api_message(exc)}"
        if hint:
            message += f". {hint}"
    if message is not None:
        raise SwarmSpecError(message) from None


# ----------------------------------------------------------------------------- the spec


@dataclass(frozen=True)
class SwarmInspect:
    """The parts of `inspect_swarm()` screens need (no join tokens here)."""

    id: str
    version: int
    spec: dict[str, Any]
    created_at: str
    updated_at: str
    trust_root_pem: str
    root_rotation_in_progress: bool
    data_path_port: int
    default_addr_pool: list[str]
    subnet_size: int

    @property
    def autolock(self) -> bool:
        return bool(self.spec.get("EncryptionConfig", {}).get("AutoLockManagers", False))

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> SwarmInspect:
        return cls(
            id=raw.get("ID", ""),
            version=int(raw.get("Version", {}).get("Index", 0)),
            spec=copy.deepcopy(raw.get("Spec") or {}),
            created_at=raw.get("CreatedAt", ""),
            updated_at=raw.get("UpdatedAt", ""),
            trust_root_pem=(raw.get("TLSInfo") or {}).get("TrustRoot", ""),
            root_rotation_in_progress=bool(raw.get("RootRotationInProgress", False)),
            data_path_port=int(raw.get("DataPathPort") or 4789),
            default_addr_pool=list(raw.get("DefaultAddrPool") or []),
            subnet_size=int(raw.get("SubnetSize") or 24),
        )


def inspect(api: docker.APIClient) -> SwarmInspect:
    with docker_errors("Reading the swarm", "Is this engine a manager of a swarm?"):
        return SwarmInspect.from_api(api.inspect_swarm())


def update_spec(
    api: docker.APIClient,
    mutate: Callable[[dict[str, Any]], None] | None = None,
    *,
    rotate_worker_token: bool = False,
    rotate_manager_token: bool = False,
    rotate_unlock_key: bool = False,
    attempts: int = UPDATE_ATTEMPTS,
    what: str = "Updating the swarm",
) -> SwarmInspect:
    """Send the whole current spec (changed by `mutate`) with its version; re-read and
    retry on "update out of sequence" (`retry_out_of_sequence`: growing waits). Returns
    the swarm as read after the update."""

    def step(_attempt: int) -> SwarmInspect:
        with docker_errors(what):
            raw = api.inspect_swarm()
        spec = copy.deepcopy(raw["Spec"])
        if mutate is not None:
            mutate(spec)
        version = int(raw["Version"]["Index"])
        with docker_errors(what):
            api.update_swarm(
                version=version,
                swarm_spec=spec,
                rotate_worker_token=rotate_worker_token,
                rotate_manager_token=rotate_manager_token,
                rotate_manager_unlock_key=rotate_unlock_key,
            )
        return inspect(api)

    return retry_out_of_sequence(step, what=f"{what}: the swarm", attempts=attempts,
                                 error=SwarmSpecError)
