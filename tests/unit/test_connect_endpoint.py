"""Endpoint parsing and target resolution (no sockets)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from swarmtui.config import Profile, Settings
from swarmtui.connect.endpoint import (
    DEFAULT_SOCKET,
    Endpoint,
    default_endpoint,
    parse_endpoint,
    resolve_target,
)
from swarmtui.connect.errors import EndpointError


@pytest.mark.parametrize(
    ("text", "host", "port", "user", "path"),
    [
        ("ssh://node1", "node1", None, None, DEFAULT_SOCKET),
        ("ssh://admin@db1.example.com:2222", "db1.example.com", 2222, "admin", DEFAULT_SOCKET),
        ("ssh://root@10.0.0.5/run/user/1000/docker.sock", "10.0.0.5", None, "root",
         "/run/user/1000/docker.sock"),
        ("ssh://[fe80::1]:22", "fe80::1", 22, None, DEFAULT_SOCKET),
        ("manager1", "manager1", None, None, DEFAULT_SOCKET),
        ("ops@manager1:2200", "manager1", 2200, "ops", DEFAULT_SOCKET),
        ("[::1]:2222", "::1", 2222, None, DEFAULT_SOCKET),
    ],
)
def test_ssh_forms(text: str, host: str, port: int | None, user: str | None, path: str) -> None:
    ep = parse_endpoint(text, env={})
    assert (ep.kind, ep.host, ep.port, ep.user, ep.path) == ("ssh", host, port, user, path)
    assert parse_endpoint(ep.url, env={}) == ep  # url round-trips


def test_labels() -> None:
    assert parse_endpoint("ssh://admin@db1:2222", env={}).label == "admin@db1:2222"
    assert parse_endpoint("node1", env={}).label == "node1"
    assert parse_endpoint("unix:///var/run/docker.sock", env={}).label == "local"
    assert parse_endpoint("unix:///tmp/d.sock", env={}).label == "local /tmp/d.sock"
    assert parse_endpoint("tcp://h:2375", env={}).label == "h:2375"
    learned = parse_endpoint("node1", env={}).with_host("10.0.0.2", name="node2")
    assert learned.label == "node2 (10.0.0.2)" and learned.config_host == "node1"
    assert learned.url == "ssh://10.0.0.2"


def test_unix_and_tcp(tmp_path: Path) -> None:
    ep = parse_endpoint("unix:///tmp/x.sock", env={})
    assert (ep.kind, ep.path) == ("unix", "/tmp/x.sock")
    plain = parse_endpoint("tcp://docker.example:2375", env={})
    assert plain.kind == "tcp" and plain.tls is None and plain.port == 2375
    (tmp_path / "ca.pem").write_text("x")
    (tmp_path / "cert.pem").write_text("x")
    (tmp_path / "key.pem").write_text("x")
    env = {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}
    tls = parse_endpoint("tcp://docker.example:2376", env=env)
    assert tls.tls is not None and tls.tls.verify
    assert tls.tls.ca_cert == str(tmp_path / "ca.pem")
    assert tls.tls.client_key == str(tmp_path / "key.pem")
    assert parse_endpoint("tcp://docker.example", env=env).url == "tcp://docker.example:2376"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("ssh://", "names no host"),
        ("ssh://host:99999", "port"),
        ("ftp://host", "not supported"),
        ("unix://relative/path", "absolute"),
        ("host:notaport", "port"),
        ("two words", "not a host name"),
        ("bad user@host", "not a user name"),
    ],
)
def test_bad_endpoints_say_what_to_do(text: str, needle: str) -> None:
    with pytest.raises(EndpointError) as info:
        parse_endpoint(text, env={})
    assert needle in str(info.value)
    assert info.value.hint  # always says what to do


def test_password_in_url_is_refused_and_not_echoed() -> None:
    with pytest.raises(EndpointError) as info:
        parse_endpoint("ssh://root:hunter2@host", env={})
    assert "hunter2" not in str(info.value)


def _context(home: Path, name: str, host: str, tls: bool = False) -> None:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = home / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps(
        {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host,
                                                                "SkipTLSVerify": False}}}))
    if tls:
        d = home / "contexts" / "tls" / digest / "docker"
        d.mkdir(parents=True)
        for f in ("ca.pem", "cert.pem", "key.pem"):
            (d / f).write_text("x")


def test_default_order_docker_host_then_context_then_local(tmp_path: Path) -> None:
    env = {"DOCKER_CONFIG": str(tmp_path)}
    assert default_endpoint(env) == Endpoint(kind="unix", source="default")
    _context(tmp_path, "prod", "ssh://ops@prod-mgr1")
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "prod"}))
    ep = default_endpoint(env)
    assert (ep.kind, ep.host, ep.user, ep.source, ep.name) == \
        ("ssh", "prod-mgr1", "ops", "context prod", "prod")
    ep = default_endpoint({**env, "DOCKER_HOST": "tcp://1.2.3.4:2375"})
    assert (ep.kind, ep.host, ep.source) == ("tcp", "1.2.3.4", "DOCKER_HOST")
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "default"}))
    assert default_endpoint(env).kind == "unix"
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "gone"}))
    with pytest.raises(EndpointError, match="not in the context store"):
        default_endpoint(env)


def test_context_with_tls(tmp_path: Path) -> None:
    _context(tmp_path, "remote", "tcp://10.1.1.1:2376", tls=True)
    t = resolve_target("remote", env={"DOCKER_CONFIG": str(tmp_path)})
    (ep,) = t.endpoints
    assert ep.kind == "tcp" and ep.tls is not None and ep.tls.verify and t.label == "remote"


def test_names_resolve_profile_then_context_then_ssh_alias(tmp_path: Path) -> None:
    env = {"DOCKER_CONFIG": str(tmp_path)}
    _context(tmp_path, "prod", "ssh://ctx-host")
    _context(tmp_path, "stage", "ssh://stage-host")
    settings = Settings(path=tmp_path / "c.toml", profiles={
        "prod": Profile("prod", managers=["ssh://m1", "m2:2222"])})
    prod = resolve_target("prod", settings=settings, env=env)
    assert prod.profile == "prod" and [e.host for e in prod.endpoints] == ["m1", "m2"]
    assert prod.endpoints[1].port == 2222 and prod.endpoints[0].source == "profile prod"
    stage = resolve_target("stage", settings=settings, env=env)
    assert stage.endpoints[0].host == "stage-host" and stage.profile is None
    alias = resolve_target("node7", settings=settings, env=env)
    assert alias.endpoints[0].host == "node7" and alias.endpoints[0].kind == "ssh"
    assert resolve_target(profile="prod", settings=settings, env=env).label == "prod"
    with pytest.raises(EndpointError, match="no profile 'nope'.*prod"):
        resolve_target(profile="nope", settings=settings, env=env)
    with pytest.raises(EndpointError, match="both"):
        resolve_target("x", profile="prod", settings=settings, env=env)


def test_default_profile_used_when_nothing_given(tmp_path: Path) -> None:
    settings = Settings(path=tmp_path / "c.toml", default_profile="lab",
                        profiles={"lab": Profile("lab", managers=["node1"])})
    t = resolve_target(settings=settings, env={"DOCKER_HOST": "unix:///x.sock"})
    assert t.profile == "lab" and t.endpoints[0].host == "node1"
    t = resolve_target(settings=Settings(path=tmp_path / "c.toml"),
                       env={"DOCKER_HOST": "unix:///x.sock"})
    assert t.endpoints[0].path == "/x.sock"
