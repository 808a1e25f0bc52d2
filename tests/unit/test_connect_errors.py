"""Failures from below (requests, urllib3, sockets, docker) become sentences, never reprs."""

from __future__ import annotations

import http.client

import docker.errors
import requests
import urllib3.exceptions

from swarmtui.connect.errors import EngineNotAnsweringError, describe_failure


def aborted(cause: BaseException) -> requests.exceptions.ConnectionError:
    """What docker-py raises when the engine goes away mid-call (as seen in a failover)."""
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", cause))


def test_requests_tuples_become_a_sentence() -> None:
    exc = aborted(http.client.RemoteDisconnected("Remote end closed connection without response"))
    assert str(exc).startswith("('Connection aborted.'")  # the raw text the status bar showed
    assert describe_failure(exc) == "the engine closed the connection without answering"
    assert describe_failure(aborted(ConnectionResetError(104, "Connection reset by peer"))) \
        == "the connection was reset"
    retry = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(
        None, "/v1.41/nodes",  # type: ignore[arg-type]
        urllib3.exceptions.NewConnectionError(None, "refused")))  # type: ignore[arg-type]
    retry.args[0].reason.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert describe_failure(retry) == "the connection was refused"
    assert describe_failure(requests.exceptions.ReadTimeout("read timed out")) == \
        "no answer in time"
    assert describe_failure(TimeoutError()) == "no answer in time"


def test_errors_that_already_speak_are_kept() -> None:
    assert describe_failure(EngineNotAnsweringError("the Docker Engine is not answering",
                                                    "is dockerd running?")) == \
        "the Docker Engine is not answering"
    resp = requests.Response()
    resp.status_code = 503
    api = docker.errors.APIError("503 Server Error", response=resp,
                                 explanation="This node is not a swarm manager.")
    assert describe_failure(api) == "the engine answered 503: This node is not a swarm manager."
    assert describe_failure(RuntimeError("a plain message")) == "a plain message"
    assert describe_failure(None) == "the connection was lost"
    assert describe_failure(ValueError(("a", 1))) == "unexpected ValueError"
