"""Reading the cluster: one list call per kind, never one call per object.

All functions take the engine's reads (connect/httpget.py: plain GETs, what the store
uses) or a blocking docker-py ``docker.APIClient`` (low level), and are meant to run in
a worker thread. A refresh makes exactly: ``/info``, ``/swarm``,
``/nodes``, ``/services?status=true``, ``/tasks``, ``/networks``, ``/secrets``,
``/configs`` — eight requests,
whatever the cluster size.

When the engine is a worker, not in a swarm, locked, or its swarm has no leader
(quorum lost), the snapshot says so
(``snapshot.message``) instead of raising. Transport and unexpected API errors
raise :class:`FetchError` with a readable, secret-free message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from functools import partial
from typing import Any
from urllib.parse import quote

from swarmtui.connect.httpget import EngineReader, as_reader
from swarmtui.secrets import redact, redact_obj
from swarmtui.swarm import format as fmt
from swarmtui.swarm import noleader
from swarmtui.swarm.jsonlist import Listing, iter_list, loads_list
from swarmtui.swarm.state import KINDS, ClusterSnapshot
from swarmtui.swarm.sync.merge import merge_kind

#: A blocking docker-py APIClient (untyped library), or an EngineReader.
DockerAPI = Any


class FetchError(Exception):
    """Listing failed (connection lost, engine error). The message is safe to show."""


class NotAManagerError(FetchError):
    """The engine answered "not a swarm manager" (it may just have been demoted)."""


def describe_error(exc: BaseException) -> str:
    """A short, secret-free sentence for a docker-py / httpget / transport exception."""
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
    return noleader.quorum_lost(str(getattr(exc, "explanation", "") or exc))


class NoLeaderError(FetchError):
    """The manager answered, but the swarm has no leader (quorum lost)."""


def _is_not_manager(exc: BaseException) -> bool:
    text = str(getattr(exc, "explanation", "") or exc).lower()
    return "not a swarm manager" in text or "this node is not part of a swarm" in text


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # API errors (docker-py's, httpget's), transport errors
        if _is_not_manager(exc):
            raise NotAManagerError(describe_error(exc)) from exc
        if _is_no_leader(exc):
            raise NoLeaderError(noleader.HEADLINE) from exc
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
    info = _call(as_reader(api).get_json, "/info")
    return info if isinstance(info, dict) else {}


def fetch_snapshot(api: DockerAPI, previous: ClusterSnapshot | None = None, *,
                   pool: Executor | None = None,
                   first_view: Callable[[ClusterSnapshot], None] | None = None
                   ) -> ClusterSnapshot:
    """A full snapshot: /info, then /swarm and one list call per kind.

    On a worker / outside a swarm: an empty snapshot whose ``message`` says why.
    With `previous`, unchanged objects are kept (the one merge rule,
    sync.merge.merge_kind). With `pool`, the list calls are made side by side: the
    engine takes ~1 s to serialise 20,000 tasks, and as long for 2,000 services
    with their status. With `first_view` too, it is handed a snapshot of everything
    but the tasks as soon as that is listed (``listed("tasks")`` is False on it):
    ``services?status=true`` already carries the running/desired counts.
    """
    reader = as_reader(api)
    info = fetch_info(reader)
    message = not_manager_message(info)
    if message:
        return ClusterSnapshot.from_api(info=info, message=message)
    # the slowest first: a pool of 4 starts them before the small lists
    calls: dict[str, Callable[[], Any]] = {
        "tasks": partial(iter_kind, reader, "tasks"),
        "services": partial(list_kind, reader, "services"),
        "swarm": partial(_call, reader.get_json, "/swarm"),
    }
    for kind in KINDS:
        calls.setdefault(kind, partial(list_kind, reader, kind))
    try:
        if pool is None:
            results = {name: call() for name, call in calls.items()}
        else:
            futures = {name: pool.submit(call) for name, call in calls.items()}
            if first_view is not None:
                early = {name: f.result() for name, f in futures.items() if name != "tasks"}
                first_view(_assemble(info, early, previous))
            results = {name: f.result() for name, f in futures.items()}
    except NotAManagerError as exc:
        return ClusterSnapshot.from_api(info=info, message=str(exc))
    except NoLeaderError:
        # the managers' last known states come from the last snapshot that listed them
        return ClusterSnapshot.from_api(info=info, message=noleader.message(previous))
    return _assemble(info, results, previous)


def _assemble(info: dict[str, Any], results: dict[str, Any],
              previous: ClusterSnapshot | None) -> ClusterSnapshot:
    """A snapshot of the lists in `results` (a kind not listed yet: as it was, or empty)."""
    at = fmt.now_utc()
    swarm = results.get("swarm")
    stamps = dict(previous.kind_taken_at) if previous else {}

    def merged(kind: str) -> dict[str, Any]:
        old = getattr(previous, kind) if previous else None
        if kind not in results:
            return dict(old or {})
        stamps[kind] = at
        return merge_kind(kind, old, results[kind])

    return ClusterSnapshot(
        nodes=merged("nodes"), services=merged("services"), tasks=merged("tasks"),
        networks=merged("networks"), secrets=merged("secrets"), configs=merged("configs"),
        info=redact_obj(info), swarm=redact_obj(swarm if isinstance(swarm, dict) else {}),
        taken_at=at, kind_taken_at=stamps)


class EngineListing(Listing):
    """A big list of the engine (jsonlist.Listing) whose decoding errors are FetchErrors."""

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from iter_list(self.body)
        except ValueError as exc:
            raise FetchError(f"the engine's list could not be read ({exc})") from exc


#: the list request of each kind (`docker KIND ls`); services with their running counts
LIST: dict[str, tuple[str, dict[str, str]]] = {
    "nodes": ("/nodes", {}), "services": ("/services", {"status": "true"}),
    "tasks": ("/tasks", {}), "networks": ("/networks", {}), "secrets": ("/secrets", {}),
    "configs": ("/configs", {})}


def _get(reader: EngineReader, kind: str) -> bytes:
    if kind not in LIST:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    path, params = LIST[kind]
    return bytes(_call(reader.get, path, params))


def iter_kind(api: DockerAPI, kind: str) -> Iterable[dict[str, Any]]:
    """The raw API list of one kind (exactly one request, made now). Tasks and services
    come as an EngineListing: decoded a piece at a time as they are read (build models as
    they come: their API dicts need not all be held at once), with the digest of their
    bytes (the same bytes as last time: the merge keeps the last models)."""
    if kind in ("tasks", "services"):
        return EngineListing(_get(as_reader(api), kind))
    return list_kind(api, kind)


def list_kind(api: DockerAPI, kind: str) -> list[dict[str, Any]]:
    """The raw API list of one kind (exactly one request). A big list (tasks, services) is
    decoded in pieces (swarm/jsonlist.py): a 12 MB list must not hold the GIL, and the
    keystrokes, for 0.3 s."""
    body = _get(as_reader(api), kind)
    try:
        result = loads_list(body)
    except ValueError as exc:
        raise FetchError(f"the engine's list could not be read ({exc})") from exc
    return list(result or [])


def fetch_kind(api: DockerAPI, kind: str, snapshot: ClusterSnapshot) -> ClusterSnapshot:
    """Re-list one kind (nodes, services, tasks, networks, secrets, configs) into a new snapshot.

    If the engine has stopped being a manager, a full (empty) snapshot saying so is
    returned. Raises FetchError on transport errors.
    """
    try:
        items = iter_kind(api, kind)
    except (NotAManagerError, NoLeaderError):
        return fetch_snapshot(api, snapshot)
    return snapshot.with_kind(kind, merge_kind(kind, getattr(snapshot, kind), items),
                              fmt.now_utc())



#: the kinds `docker KIND inspect ID` reads (GET /KIND/ID)
#: (not configs: their inspect carries the data, which swarmtui never holds)
INSPECT = frozenset({"nodes", "services", "tasks", "networks"})


def inspect_object(api: DockerAPI, kind: str, object_id: str) -> dict[str, Any]:
    """GET /KIND/ID (exactly one request)."""
    if kind not in INSPECT:
        raise FetchError(f"{kind} cannot be inspected")
    result = _call(as_reader(api).get_json, f"/{kind}/{quote(object_id, safe='')}")
    return result if isinstance(result, dict) else {}
