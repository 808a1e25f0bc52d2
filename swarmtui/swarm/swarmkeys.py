"""The swarm's secrets on a blocking `docker.APIClient`: join tokens (read, rotate),
autolock, unlock keys (read, rotate) and unlocking a locked manager. Tokens and keys
travel as masked `swarmtui.secrets.Secret`s; each operation has its `docker …` CLI line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

from swarmtui.secrets import Secret
from swarmtui.swarm.swarmspec import Role, SwarmSpecError, docker_errors, update_spec


@dataclass(frozen=True)
class JoinTokens:
    worker: Secret
    manager: Secret
    manager_addr: str  # host:port to join

    def token(self, role: Role) -> Secret:
        return self.worker if role == "worker" else self.manager

    def join_command(self, role: Role, *, reveal: bool = False) -> str:
        tok = self.token(role)
        shown = tok.reveal() if reveal else tok.masked
        return f"docker swarm join --token {shown} {self.manager_addr}"

    def masked(self) -> dict[Role, str]:
        return {"worker": self.join_command("worker"), "manager": self.join_command("manager")}


# ----------------------------------------------------------------------------- join tokens


def manager_address(api: docker.APIClient) -> str:
    """The address:port other hosts join: this manager's own, else any known manager."""
    with docker_errors("Reading the engine's swarm state"):
        info = api.info()
    sw = info.get("Swarm") or {}
    node_id = sw.get("NodeID", "")
    remotes = sw.get("RemoteManagers") or []
    for r in remotes:
        if r.get("NodeID") == node_id and r.get("Addr"):
            return str(r["Addr"])
    if remotes:
        return str(remotes[0].get("Addr", ""))
    addr = sw.get("NodeAddr", "")
    return f"{addr}:2377" if addr else ""


def join_tokens(api: docker.APIClient) -> JoinTokens:
    """The worker and manager join tokens (as Secrets) and the address to join."""
    with docker_errors("Reading the join tokens", "Join tokens can only be read on a manager"):
        raw = api.inspect_swarm().get("JoinTokens") or {}
    return JoinTokens(worker=Secret(raw.get("Worker", "")), manager=Secret(raw.get("Manager", "")),
                      manager_addr=manager_address(api))


def fetch_join_token(api: docker.APIClient, role: Role) -> Secret:
    return join_tokens(api).token(role)


def rotate_token_cli(role: Role) -> str:
    return f"docker swarm join-token --rotate {role}"


def rotate_join_token(api: docker.APIClient, role: Role) -> JoinTokens:
    """Rotate one join token keeping the whole spec (autolock, settings) as it is. Nodes
    already in the swarm are unaffected; the old token stops working for new joins."""
    update_spec(api, rotate_worker_token=role == "worker", rotate_manager_token=role == "manager",
                what=f"Rotating the {role} join token")
    return join_tokens(api)


ROTATE_TOKEN_WARNING = (
    "Rotating the {role} join token invalidates the current one: any script, cloud-init or "
    "wizard still holding it can no longer join {role}s. Nodes already in the swarm are "
    "not affected."
)


# ----------------------------------------------------------------------------- autolock


def autolock_cli(enabled: bool) -> str:
    return f"docker swarm update --autolock={'true' if enabled else 'false'}"


def set_autolock(api: docker.APIClient, enabled: bool) -> Secret | None:
    """Turn autolock on or off (whole spec). With it on, returns the unlock key."""

    def mutate(spec: dict[str, Any]) -> None:
        spec.setdefault("EncryptionConfig", {})["AutoLockManagers"] = enabled

    update_spec(api, mutate, what=f"Turning autolock {'on' if enabled else 'off'}")
    return get_unlock_key(api) if enabled else None


AUTOLOCK_CONSEQUENCES = (
    "With autolock on, a manager whose Docker restarts stays locked until someone "
    "enters the unlock key (`docker swarm unlock`). Keep the key in a password manager: "
    "without it, a locked manager cannot rejoin and must be removed and re-added."
)


def get_unlock_key(api: docker.APIClient) -> Secret | None:
    """The current unlock key, or None when autolock is off."""
    with docker_errors("Reading the unlock key", "Unlock keys can only be read on a manager"):
        raw = api.get_unlock_key()
    key = (raw or {}).get("UnlockKey", "")
    return Secret(key) if key else None


def unlock_key_cli(rotate: bool = False) -> str:
    return "docker swarm unlock-key --rotate" if rotate else "docker swarm unlock-key"


@dataclass(frozen=True)
class UnlockKeyRotation:
    old: Secret | None
    new: Secret | None
    advice: str = (
        "Keep the old key too for a while: a manager that was down during the rotation, "
        "or restored from a backup, may still need the old key to unlock."
    )


def rotate_unlock_key(api: docker.APIClient) -> UnlockKeyRotation:
    old = get_unlock_key(api)
    if old is None:
        raise SwarmSpecError("Autolock is off, so there is no unlock key to rotate; "
                             "turn autolock on first")
    update_spec(api, rotate_unlock_key=True, what="Rotating the unlock key")
    return UnlockKeyRotation(old=old, new=get_unlock_key(api))


def unlock_cli() -> str:
    return "docker swarm unlock   # the key is read from the prompt"


def local_node_state(api: docker.APIClient) -> str:
    """inactive, pending, active, error or locked."""
    with docker_errors("Reading the engine's swarm state"):
        return str((api.info().get("Swarm") or {}).get("LocalNodeState", ""))


def unlock_manager(api_on_node: docker.APIClient, key: str | Secret) -> None:
    """Unlock a locked manager; `api_on_node` must reach *that* node's engine."""
    raw = key.reveal() if isinstance(key, Secret) else key.strip()
    if not raw.startswith("SWMKEY-1-"):
        raise SwarmSpecError("That is not an unlock key: unlock keys start with SWMKEY-1-")
    state = local_node_state(api_on_node)
    if state != "locked":
        raise SwarmSpecError(f"This node is not locked (its swarm state is {state or 'unknown'});"
                             " nothing to unlock")
    with docker_errors("Unlocking the manager",
                        "Check the key (the old key may be needed if it was rotated while this "
                        "manager was down)"):
        api_on_node.unlock_swarm(raw)
