"""The wizards' pure pieces (no sockets): form parsing and validation messages, the
checklist/plan text, host lists, and the entry point's refusals (read-only first)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from swarmtui.bootstrap.facts import Check
from swarmtui.ui.actions import ACTIONS, READ_ONLY_REFUSAL, action, refusal
from swarmtui.ui.screens.wizards.bootstrap_many import split_hosts
from swarmtui.ui.screens.wizards.bootstrap_view import checklist
from swarmtui.ui.screens.wizards.init_swarm import parse_form
from swarmtui.ui.screens.wizards.settings import parse_settings


def test_init_form_messages_say_what_to_do() -> None:
    opts, errors = parse_form("10.0.0.1", "0.0.0.0:2377", "", "", "", False)
    assert errors == [] and opts.cli() == "docker swarm init --advertise-addr 10.0.0.1"
    _, errors = parse_form("", "0.0.0.0:2377", "abc", "10.1.0.0/16 10.2.0.0/33", "x", True)
    text = " | ".join(errors)
    assert "'abc' is not a number" in text and "10.2.0.0/33" in text
    assert "subnet size 'x' is not a number" in text
    opts, errors = parse_form("eth0", "", "5000", "10.1.0.0/16,10.2.0.0/16", "/26", True)
    assert "listen address is empty" in " ".join(errors)
    assert opts.default_addr_pool == ("10.1.0.0/16", "10.2.0.0/16") and opts.subnet_size == 26
    assert opts.cli().endswith("--default-addr-pool-mask-length 26 --autolock")


def test_settings_form_parses_durations_and_validates() -> None:
    s, errors = parse_settings("90d", "5s", "5")
    assert errors == [] and s is not None and s.cert_expiry == timedelta(days=90)
    s, errors = parse_settings("soon", "0.5s", "many")
    assert s is None and len(errors) == 2
    assert "not a duration" in errors[0] and "not a whole number" in errors[1]
    s, errors = parse_settings("30m", "20m", "-1")
    assert s is not None
    joined = " ".join(errors)
    assert "too short" in joined and "above 10m" in joined and "negative" in joined


def test_host_lists_and_checklist_escape_markup() -> None:
    assert split_hosts("node3, node4 node3  admin@h:2222") == ["node3", "node4", "admin@h:2222"]
    out = checklist([Check("os", "OS [x]", "fail", "reason [b]bold[/b]")])
    assert "✘ fail" in out and "\\[x]" in out and "\\[b]" in out


def test_refusals_read_only_first_then_swarm_state() -> None:
    snap_worker = SimpleNamespace(in_swarm=True, is_manager=False,
                                  message="this engine is a worker")
    ro = SimpleNamespace(read_only=True, store=None, snapshot=None)
    wizards = [a for a in ACTIONS if a.id.startswith("wizard.")]
    assert len(wizards) == 9
    for w in wizards:  # read-only refuses even before there is a connection
        assert refusal(ro, w) == READ_ONLY_REFUSAL.format(title=w.title)
    rw = SimpleNamespace(read_only=False, store=object(), snapshot=snap_worker)
    assert refusal(rw, action("wizard.tokens")) == "this engine is a worker"
    assert "already in a swarm" in (refusal(rw, action("wizard.init")) or "")
    assert refusal(rw, action("wizard.leave")) is None
    rw.snapshot = SimpleNamespace(in_swarm=False, is_manager=False, message="not in a swarm")
    assert refusal(rw, action("wizard.init")) is None
