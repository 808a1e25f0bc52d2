"""Endpoints: what a user can name as the thing to connect to, parsed into one shape.

Accepted forms (see `resolve_target`):

* nothing — a `default_profile` from the config file if one is set, else
  `$DOCKER_HOST`, else the docker CLI's current context
  (`$DOCKER_CONTEXT`, or `currentContext` in ~/.docker/config.json), else
  `unix:///var/run/docker.sock`;
* `ssh://[user@]host[:port][/path/to/docker.sock]`;
* `tcp://host[:port]` (TLS from `DOCKER_TLS_VERIFY` / `DOCKER_TLS` / `DOCKER_CERT_PATH`);
* `unix:///path/to/docker.sock`;
* a name: a cluster profile from the config file, else a docker CLI context,
  else an ssh_config alias / host name (`[user@]host[:port]`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from swarmtui.connect.errors import EndpointError

if TYPE_CHECKING:  # settings are read, never built here: config needs this module
    from swarmtui.config import Settings

DEFAULT_SOCKET = "/var/run/docker.sock"
EndpointKind = Literal["ssh", "unix", "tcp"]

_HOST_RE = re.compile(r"^[A-Za-z0-9_.%:\[\]-]+$")
_USER_RE = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$")


@dataclass(frozen=True)
class TlsFiles:
    """TLS material for a tcp:// endpoint (paths; None = not given)."""

    verify: bool  # check the engine's certificate against ca_cert
    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """One Docker Engine to reach, and how.

    For `ssh`, `host` is a host name, address or ssh_config alias; `port`/`user`
    None mean "from ssh_config, else 22 / the local user"; `path` is the remote
    Docker socket. `config_host`, when set, is the ssh_config name whose User,
    Port, IdentityFile, ProxyJump and UserKnownHostsFile apply while connecting
    to `host` (a manager learned from the swarm is reached like the one we came
    in by). For `unix`, `path` is the local socket. For `tcp`, `tls` may be set.
    """

    kind: EndpointKind
    host: str = ""
    port: int | None = None
    user: str | None = None
    path: str = DEFAULT_SOCKET
    tls: TlsFiles | None = None
    config_host: str | None = None
    #: where this endpoint came from, for messages: "argument", "DOCKER_HOST", "context prod", ...
    source: str = "argument"
    #: a friendlier name to show (a swarm node's hostname, a context name), or None
    name: str | None = None

    @property
    def url(self) -> str:
        """The endpoint as a URL string (what `parse_endpoint` reads back)."""
        if self.kind == "unix":
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        if self.kind == "tcp":
            return f"tcp://{host}:{self.port or (2376 if self.tls else 2375)}"
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        path = self.path if self.path != DEFAULT_SOCKET else ""
        return f"ssh://{user}{host}{port}{path}"

    @property
    def label(self) -> str:
        """Short text for a status bar: `node1`, `root@db1:2222`, `local`, `tcp host:2376`."""
        if self.kind == "unix":
            base = "local" if self.path == DEFAULT_SOCKET else f"local {self.path}"
        elif self.kind == "tcp":
            base = f"{self.host}:{self.port or (2376 if self.tls else 2375)}"
        else:
            user = f"{self.user}@" if self.user else ""
            port = f":{self.port}" if self.port else ""
            path = f" {self.path}" if self.path != DEFAULT_SOCKET else ""
            base = f"{user}{self.host}{port}{path}"
        if self.name and self.name != base:
            return f"{self.name} ({base})"
        return base

    def with_host(self, host: str, name: str | None = None) -> Endpoint:
        """The same way in (user, port, key, socket, TLS) to another host of the cluster."""
        if self.kind == "unix":
            raise EndpointError(f"a local socket endpoint cannot be moved to host {host}")
        config_host = (self.config_host or self.host) if self.kind == "ssh" else None
        return replace(self, host=host, config_host=config_host, name=name, source="learned")


@dataclass(frozen=True)
class Target:
    """What the user asked for: one endpoint, or a profile's ordered list of managers."""

    endpoints: tuple[Endpoint, ...]
    label: str  # profile name, context name or the endpoint's label
    profile: str | None = None  # set when the target is a cluster profile
    source: str = "argument"


# --- parsing ---------------------------------------------------------------------------


def _port(text: str | None, what: str) -> int | None:
    if text is None or text == "":
        return None
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise EndpointError(f"{what}: port {text!r} is not a number between 1 and 65535",
                            "write it as host:PORT, e.g. ssh://admin@manager1:2222")
    return port


def tls_from_env(env: Mapping[str, str]) -> TlsFiles | None:
    """TLS settings the docker CLI would use for tcp:// (None: plain TCP)."""
    verify = env.get("DOCKER_TLS_VERIFY", "") not in ("", "0", "false")
    tls = verify or env.get("DOCKER_TLS", "") not in ("", "0", "false")
    if not tls:
        return None
    cert_dir = Path(env.get("DOCKER_CERT_PATH") or Path(env.get("HOME", "~")) / ".docker")
    cert_dir = cert_dir.expanduser()

    def pem(name: str) -> str | None:
        p = cert_dir / name
        return str(p) if p.exists() else None

    return TlsFiles(verify=verify, ca_cert=pem("ca.pem"), client_cert=pem("cert.pem"),
                    client_key=pem("key.pem"))


def parse_endpoint(text: str, *, source: str = "argument",
                   env: Mapping[str, str] | None = None) -> Endpoint:
    """Parse one endpoint string (URL or `[user@]host[:port]`). Raises EndpointError."""
    env = os.environ if env is None else env
    text = text.strip()
    if not text:
        raise EndpointError("an empty endpoint was given",
                            "give ssh://[user@]host[:port], tcp://host:2376, unix:///path "
                            "or an ssh_config alias")
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        try:
            parts = urlsplit(text)
        except ValueError as exc:  # "Invalid IPv6 URL" for an unclosed [
            raise EndpointError(f"{_redact(text)!r} is not a URL ({exc})",
                                "write ssh://[user@]host[:port] (an IPv6 host in [ ])"
                                ) from None
        if scheme == "unix":
            path = (parts.netloc + parts.path) or DEFAULT_SOCKET
            if not path.startswith("/"):
                raise EndpointError(f"{text!r}: a unix socket path must be absolute",
                                    "write unix:///var/run/docker.sock (three slashes)")
            return Endpoint(kind="unix", path=path, source=source)
        try:
            port = _port(str(parts.port) if parts.port is not None else None, text)
        except ValueError as exc:  # urlsplit raises on a non-numeric port
            raise EndpointError(f"{text!r}: the port is not a number", "write host:PORT") from exc
        host = parts.hostname or ""
        if not host:
            raise EndpointError(f"{text!r} names no host", f"write {scheme}://host")
        if scheme == "ssh":
            user = parts.username or None
            if parts.password is not None:
                raise EndpointError(f"{_redact(text)}: passwords in endpoints are not accepted",
                                    "use an SSH key or ssh-agent; the app never stores passwords")
            path = parts.path or DEFAULT_SOCKET
            return Endpoint(kind="ssh", host=host, port=port, user=user, path=path, source=source)
        if scheme in ("tcp", "https", "http"):
            tls = tls_from_env(env)
            if scheme == "https" and tls is None:
                tls = TlsFiles(verify=True)
            if scheme == "http":
                tls = None
            return Endpoint(kind="tcp", host=host, port=port, tls=tls, source=source)
        raise EndpointError(f"{text!r}: the scheme {scheme!r} is not supported",
                            "use ssh://, tcp://, unix:// or an ssh_config alias")
    return _parse_bare(text, source)


def _redact(text: str) -> str:
    return re.sub(r"://([^:@/]*):[^@/]*@", r"://\1:***@", text)


def _parse_bare(text: str, source: str) -> Endpoint:
    user: str | None = None
    rest = text
    if "@" in rest:
        user, rest = rest.rsplit("@", 1)
        if not _USER_RE.match(user):
            raise EndpointError(f"{text!r}: {user!r} is not a user name",
                                "write [user@]host[:port] or ssh://user@host")
    port: int | None = None
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        if tail.startswith(":"):
            port = _port(tail[1:], text)
    elif rest.count(":") == 1:
        rest, port_text = rest.split(":")
        port = _port(port_text, text)
        host = rest
    else:
        host = rest
    if not host or not _HOST_RE.match(host) or "/" in host:
        raise EndpointError(f"{text!r} is not a host name, an ssh_config alias, a profile "
                            "or a docker context",
                            "give ssh://[user@]host[:port], tcp://host:2376, unix:///path, "
                            "an ssh_config alias, a profile or a context name")
    return Endpoint(kind="ssh", host=host, port=port, user=user, source=source)


# --- docker CLI contexts ------------------------------------------------------------------


def docker_config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("DOCKER_CONFIG"):
        return Path(env["DOCKER_CONFIG"]).expanduser()
    return Path(env.get("HOME") or Path.home()) / ".docker"


def current_context_name(env: Mapping[str, str] | None = None) -> str | None:
    """$DOCKER_CONTEXT, else `currentContext` from the CLI's config.json, else None."""
    env = os.environ if env is None else env
    if env.get("DOCKER_CONTEXT"):
        return env["DOCKER_CONTEXT"]
    try:
        raw = json.loads((docker_config_dir(env) / "config.json").read_text())
    except (OSError, ValueError):
        return None
    name = raw.get("currentContext") if isinstance(raw, dict) else None
    return name if isinstance(name, str) and name else None


def context_endpoint(name: str, env: Mapping[str, str] | None = None) -> Endpoint | None:
    """The docker endpoint of a CLI context from its store, or None if there is no such context.

    The store keeps `contexts/meta/<sha256(name)>/meta.json` and TLS files under
    `contexts/tls/<sha256(name)>/docker/`.
    """
    env = os.environ if env is None else env
    digest = hashlib.sha256(name.encode()).hexdigest()
    base = docker_config_dir(env) / "contexts"
    try:
        meta = json.loads((base / "meta" / digest / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    docker = (meta.get("Endpoints") or {}).get("docker") or {}
    host = docker.get("Host") if isinstance(docker, dict) else None
    if not isinstance(host, str) or not host:
        raise EndpointError(f"docker context {name!r} has no docker endpoint",
                            f"check it with `docker context inspect {name}`")
    ep = parse_endpoint(host, source=f"context {name}", env={})
    if ep.kind == "tcp":
        tls_dir = base / "tls" / digest / "docker"
        if tls_dir.is_dir():

            def pem(n: str) -> str | None:
                p = tls_dir / n
                return str(p) if p.exists() else None

            ep = replace(ep, tls=TlsFiles(verify=not docker.get("SkipTLSVerify", False),
                                          ca_cert=pem("ca.pem"), client_cert=pem("cert.pem"),
                                          client_key=pem("key.pem")),
                         port=ep.port or 2376)
    return replace(ep, name=name)


def default_endpoint(env: Mapping[str, str] | None = None) -> Endpoint:
    """$DOCKER_HOST, else the current docker context, else the local socket."""
    env = os.environ if env is None else env
    if env.get("DOCKER_HOST"):
        return parse_endpoint(env["DOCKER_HOST"], source="DOCKER_HOST", env=env)
    ctx = current_context_name(env)
    if ctx and ctx != "default":
        ep = context_endpoint(ctx, env)
        if ep is None:
            raise EndpointError(f"the current docker context {ctx!r} is not in the context store",
                                "pick another with `docker context use NAME`")
        return ep
    return Endpoint(kind="unix", path=DEFAULT_SOCKET, source="default")


def resolve_target(target: str | None = None, *, profile: str | None = None,
                   settings: Settings | None = None,
                   env: Mapping[str, str] | None = None) -> Target:
    """Turn the CLI's `target` / `--profile` into an ordered list of endpoints.

    A bare name is, in order: a profile, a docker CLI context, an ssh host/alias.
    With neither target nor profile, the config's `default_profile` is used if set.
    Raises EndpointError with a message for the user.
    """
    env = os.environ if env is None else env
    profiles = settings.profiles if settings else {}
    if target and profile:
        raise EndpointError(f"both a target ({target!r}) and --profile {profile!r} were given",
                            "give one of them")
    if not target and not profile and settings and settings.default_profile:
        profile = settings.default_profile
    if profile:
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none defined"
            raise EndpointError(f"there is no profile {profile!r} (profiles: {known})",
                                "add a [profiles.NAME] table to the config file")
        return _profile_target(profile, settings, env)
    if not target:
        ep = default_endpoint(env)
        return Target((ep,), label=ep.name or ep.label, source=ep.source)
    if "://" not in target:
        if target in profiles:
            return _profile_target(target, settings, env)
        if "@" not in target and ":" not in target:
            ctx = context_endpoint(target, env)
            if ctx is not None:
                return Target((ctx,), label=target, source=f"context {target}")
    ep = parse_endpoint(target, env=env)
    return Target((ep,), label=ep.label, source="argument")


def _profile_target(name: str, settings: Settings | None, env: Mapping[str, str]) -> Target:
    assert settings is not None
    prof = settings.profiles[name]
    if not prof.managers:
        raise EndpointError(f"profile {name!r} lists no managers",
                            f"add managers = [\"ssh://user@host\"] under [profiles.{name}] "
                            f"in {settings.path}")
    eps = tuple(parse_endpoint(m, source=f"profile {name}", env=env) for m in prof.managers)
    return Target(eps, label=name, profile=name, source=f"profile {name}")
