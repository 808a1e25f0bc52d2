"""Reading the cluster: one list call per kind, never one call per object.

All functions take a blocking docker-py ``docker.APIClient`` (low level) and are
meant to run in a worker thread. A refresh makes exactly: ``/info``, ``/swarm``,
``/nodes``, ``/services?status=true``, ``/tasks``, ``/networks``, ``/secrets``,
``/configs`` — eight requests,
whatever the cluster size.

When the engine is a worker, not in a swarm, locked, or its swarm has no leader
(quorum lost), the snapshot says so
(``snapshot.message``) instead of raising. Transport and unexpected API errors
raise :class:`FetchError` with a readable, secret-free message.
"""

from __future__ import annotations

from typing import Any

from swarmtui.secrets import redact
from swarmtui.swarm import format as fmt
from swarmtui.swarm.state import KINDS, ClusterSnapshot, build_kind

#: A blocking docker-py APIClient (untyped library).
DockerAPI = Any


class FetchError(Exception):
    """Listing failed (connection lost, engine error). The message is safe to show."""


class NotAManagerError(FetchError):
    """The engine answered "not a swarm manager" (it may just have been demoted)."""


def describe_error(exc: BaseException) -> str:
    """A short, secret-free sentence for a docker-py / transport exception."""
    explanation = getattr(exc, "explanation", None)
    text = str(explanation) if explanation else str(exc) or type(exc).__name__
    text = text.strip()
    lowered = text.lower()
    if "connection refused" in lowered or "no such file" in lowered:
        text = f"the Docker engine is not reachable ({text})"
    elif "timed out" in lowered or "timeout" in lowered:
        text = f"the Docker engine did not answer in time ({text})"
    return redact(text)


def _is_no_leader(exc: BaseException) -> bool:
    text = str(getattr(exc, "explanation", "") or exc).lower()
    return "does not have a leader" in text or "no leader" in text


NO_LEADER_MESSAGE = (
    "the swarm has no leader: too few managers are reachable (quorum lost) — bring "
    "managers back online; as a last resort `docker swarm init --force-new-cluster` "
    "on a surviving manager"
)


class NoLeaderError(FetchError):
    """The manager answered, but the swarm has no leader (quorum lost)."""


def _is_not_manager(exc: BaseException) -> bool:
    text = str(getattr(exc, "explanation", "") or exc).lower()
    return "not a swarm manager" in text or "this node is not part of a swarm" in text


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # docker-py raises many types (APIError, requests errors)
        if _is_not_manager(exc):
            raise NotAManagerError(describe_error(exc)) from exc
        if _is_no_leader(exc):
            raise NoLeaderError(NO_LEADER_MESSAGE) from exc
        raise FetchError(describe_error(exc)) from exc


def not_manager_message(info: dict[str, Any]) -> str | None:
    """Why this engine cannot list the swarm, in plain words; None when it can."""
    sw = info.get("Swarm") if isinstance(info.get("Swarm"), dict) else {}
    assert isinstance(sw, dict)
    state = str(sw.get("LocalNodeState") or "inactive")
    name = str(info.get("Name") or "this engine")
    if state == "inactive":
        return f"{name} is not part of a swarm (docker swarm init or join first)"
    if state == "pending":
        return f"{name} is still joining the swarm"
    if state == "locked":
        return f"the swarm on {name} is locked: unlock it with the unlock key (docker swarm unlock)"
    if state == "error":
        err = str(sw.get("Error") or "unknown error")
        return redact(f"{name} is in a swarm error state: {err}")
    if not sw.get("ControlAvailable"):
        managers = [
            str(m.get("Addr")) for m in sw.get("RemoteManagers") or [] if isinstance(m, dict)
        ]
        where = f"; managers: {', '.join(managers)}" if managers else ""
        return f"{name} is a worker node: connect to a manager to see the swarm{where}"
    return None


def fetch_info(api: DockerAPI) -> dict[str, Any]:
    """GET /info."""
    info = _call(api.info)
    return info if isinstance(info, dict) else {}


def fetch_snapshot(api: DockerAPI, previous: ClusterSnapshot | None = None) -> ClusterSnapshot:
    """A full snapshot: /info, /swarm, then one list call per kind.

    On a worker / outside a swarm: an empty snapshot whose ``message`` says why.
    With `previous`, unchanged tasks are reused (see state.build_kind).
    """
    info = fetch_info(api)
    message = not_manager_message(info)
    if message:
        return ClusterSnapshot.from_api(info=info, message=message)
    try:
        swarm = _call(api.inspect_swarm)
        nodes = _call(api.nodes)
        services = _call(api.services, status=True)
        tasks = _call(api.tasks)
        networks = _call(api.networks)
        secrets = _call(api.secrets)
        configs = _call(api.configs)
    except (NotAManagerError, NoLeaderError) as exc:
        return ClusterSnapshot.from_api(info=info, message=str(exc))
    snap = ClusterSnapshot.from_api(
        nodes=nodes or [],
        services=services or [],
        networks=networks or [],
        secrets=secrets or [],
        configs=configs or [],
        info=info,
        swarm=swarm if isinstance(swarm, dict) else {},
    )
    built = build_kind("tasks", tasks or [], previous.tasks if previous else None)
    return snap.with_kind("tasks", built, snap.taken_at)


def list_kind(api: DockerAPI, kind: str) -> list[dict[str, Any]]:
    """The raw API list of one kind (exactly one request)."""
    if kind == "nodes":
        result = _call(api.nodes)
    elif kind == "services":
        result = _call(api.services, status=True)
    elif kind == "tasks":
        result = _call(api.tasks)
    elif kind == "networks":
        result = _call(api.networks)
    elif kind == "secrets":
        result = _call(api.secrets)
    elif kind == "configs":
        result = _call(api.configs)
    else:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    return list(result or [])


def fetch_kind(api: DockerAPI, kind: str, snapshot: ClusterSnapshot) -> ClusterSnapshot:
    """Re-list one kind (nodes, services, tasks, networks, secrets, configs) into a new snapshot.

    If the engine has stopped being a manager, a full (empty) snapshot saying so is
    returned. Raises FetchError on transport errors.
    """
    try:
        items = list_kind(api, kind)
    except (NotAManagerError, NoLeaderError):
        return fetch_snapshot(api)
    previous = snapshot.tasks if kind == "tasks" else None
    return snapshot.with_kind(kind, build_kind(kind, items, previous), fmt.now_utc())


#: Event types (from the swarm-scope event stream) → the kind to re-list.
EVENT_KIND = {"node": "nodes", "service": "services", "network": "networks",
              "secret": "secrets", "config": "configs"}
