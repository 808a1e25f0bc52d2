"""Compose files that used to hang, exhaust memory or raise raw Python errors (issue 15,
item 7): each is now a ComposeError or a plan error naming the path, in bounded time."""

from __future__ import annotations

import resource
import time

import pytest

from swarmtui.swarm.create.compose import ComposeError, parse_compose
from swarmtui.swarm.create.compose_shape import MAX_VALUES

WEB = "services:\n  web:\n    image: busybox\n"


def bomb(levels: int, width: int = 9) -> str:
    """Nested aliases: `levels` levels of `width` references each (a billion laughs)."""
    lines = ['x-a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"x-a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n" + WEB


@pytest.mark.parametrize("levels", [7, 9, 12])
def test_a_billion_laughs_is_refused_at_once(levels: int) -> None:
    # 7 levels (390 bytes) took 4.6 s and 144 MiB before; 9 levels exhausted memory
    text = bomb(levels)
    assert len(text) < 700
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(ComposeError, match="billion laughs"):
        parse_compose(text, "st")
    assert time.perf_counter() - started < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 20 * 1024  # KiB


def test_aliases_a_real_file_uses_still_work() -> None:
    text = ("x-env: &env {A: '1', B: '2'}\n"
            "services:\n" + "".join(f"  s{i}:\n    image: busybox\n    environment: *env\n"
                                    for i in range(50)))
    plan = parse_compose(text, "st")
    assert plan.ok, plan.errors
    assert all(s.spec["TaskTemplate"]["ContainerSpec"]["Env"] == ["A=1", "B=2"]
               for s in plan.services)


def test_expansion_just_under_the_limit_is_planned() -> None:
    n = MAX_VALUES // 200
    text = "x-big: &big [" + ",".join(["x"] * 190) + "]\nx-use: [" + ",".join(
        ["*big"] * n) + "]\n" + WEB
    assert parse_compose(text, "st").ok


@pytest.mark.parametrize("text,words", [
    ("x-a: &a [*a]\n" + WEB, "x-a[0]: a YAML alias refers to a value that contains it"),
    ("services:\n  web: &w\n    image: busybox\n    labels:\n      x: *w\n",
     "services.web.labels.x: a YAML alias refers to a value that contains it"),
    ("services:\n  web:\n    image: busybox\n    command: " + "[" * 3000 + "]" * 3000 + "\n",
     "nests more than 64 levels deep (line 4)"),
    ("services:\n  web:\n    image: busybox\n    command: " + "[" * 80 + "]" * 80 + "\n",
     "nests more than 64 levels deep"),
    ("x-a: &a " + "[" * 40 + "]" * 40 + "\nx-b: &b " + "[*a," * 40 + "]" * 40 + "\n" + WEB,
     "nested more than 64 levels deep"),  # deep only through aliases
])
def test_recursive_and_deep_documents_are_compose_errors(text: str, words: str) -> None:
    with pytest.raises(ComposeError) as err:
        parse_compose(text, "st")
    assert words in str(err.value)


@pytest.mark.parametrize("body,words", [
    ("    networks: {5: {aliases: 3}}\n", "services.web.networks.5.aliases: must be a list"),
    ("    logging:\n      driver: json-file\n      options: [1]\n",
     "services.web.logging.options: must be a mapping, not a list"),
    ("    deploy:\n      replicas: 100000000000000000000\n", "deploy.replicas 1000000"),
    ("    deploy:\n      replicas: 1.0e+20\n", "deploy.replicas must be a whole number"),
    ("    deploy:\n      replicas: 1e20\n", "deploy.replicas must be a whole number"),
    ("    deploy:\n      resources: [1]\n", "services.web.deploy.resources: must be a mapping"),
    ("    deploy:\n      update_config:\n        parallelism: 99999999999999999999999\n",
     "parallelism must be a whole number"),
    ("    environment: 5\n", "services.web.environment: must be a mapping or a list"),
    ("    healthcheck:\n      test: {a: 1}\n", "services.web.healthcheck.test: must be a str"),
    ("    ports: ['1-400000000:1-400000000']\n", "out of range"),  # was a 400M-item list
    ("    ports: ['٣:٣']\n", "is not a port"),
])
def test_misshapen_values_are_errors_naming_their_path(body: str, words: str) -> None:
    plan = parse_compose(WEB + body, "st")
    assert not plan.ok and any(words in e for e in plan.errors), plan.errors


def test_a_yaml_date_as_image_is_refused_and_quoting_it_works() -> None:
    plan = parse_compose("services:\n  web:\n    image: 2001-12-14\n", "st")
    assert plan.errors == ["services.web.image: must be a string, not a date (2001-12-14; "
                           "quote it to mean the text)"]
    assert parse_compose("services:\n  web:\n    image: '2001-12-14'\n", "st").ok


def test_a_misshapen_network_declaration_is_reported_once() -> None:
    text = WEB + "    networks: [front]\nnetworks:\n  front:\n    ipam: {config: 5}\n"
    plan = parse_compose(text, "st")
    assert plan.errors == ["networks.front.ipam.config: must be a list, not int 5"]
