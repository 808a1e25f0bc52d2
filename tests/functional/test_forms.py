"""Pilot tests of the issue-8 form screens on the real lab (no fake Docker API).

Typing into the forms validates as typed: each bad field shows its reason under it
and the submit button stays disabled; the CLI line follows the keystrokes. Nothing
here changes the cluster except where the lab is restored afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest

from swarmtui.ui.actions import ACTIONS, open_action
from swarmtui.ui.flow import ConfirmScreen
from swarmtui.ui.forms.network import NetworkFormScreen
from swarmtui.ui.forms.objects import ObjectsScreen
from swarmtui.ui.forms.rows import PortRow
from swarmtui.ui.forms.service import ServiceFormScreen
from tests.waiting import async_wait_for

pytestmark = pytest.mark.lab


def text(widget: Any) -> str:
    return str(widget.content)


def notifications(app: Any) -> str:
    return "\n".join(f"{n.title} {n.message}" for n in app._notifications)


async def loaded(app: Any) -> None:
    await async_wait_for("the first snapshot", lambda: app.snapshot is not None, 20)


def cli(screen: Any) -> str:
    return text(screen.query_one("#form-cli"))


def error(screen: Any, path: str) -> str:
    return text(screen.query_one(f"#error-{path}"))


FORM_ACTIONS = [a for a in ACTIONS if a.id.startswith("forms.")]


def test_entry_point_lists_the_forms() -> None:
    ids = [a.id.removeprefix("forms.") for a in FORM_ACTIONS]
    assert {"new-service", "edit-service", "attach-network", "detach-network", "new-network",
            "remove-network", "deploy-stack", "remove-stack", "secrets", "configs",
            "new-secret", "new-config"} == set(ids)
    assert len(ids) == len(set(ids))
    for a in FORM_ACTIONS:
        assert a.title and a.help and callable(a.run) and a.palette
        assert a.panes in ((), ("services",), ("networks",), ("stacks",))
    # one key per pane
    for pane in ("services", "networks", "stacks"):
        keys = [a.key for a in FORM_ACTIONS if a.panes == (pane,)]
        assert len(keys) == len(set(keys)), pane


async def test_service_form_validates_as_typed_and_the_cli_follows(lab, lab_app) -> None:
    app = lab_app(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app)
        assert open_action(app, "forms.new-service")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ServiceFormScreen)
        submit = screen.query_one("#submit")
        assert submit.disabled
        # nothing in red before anything is typed: the status says what is to fill in
        assert error(screen, "name") == ""
        assert "to fill in: Name" in text(screen.query_one("#form-status"))

        await pilot.press(*"webf")
        await pilot.pause()
        assert "--name webf" in cli(screen)
        assert error(screen, "name") == ""
        await pilot.press("tab", *"busybox:latest")
        await pilot.pause()
        assert cli(screen).endswith("busybox:latest")
        assert not submit.disabled

        await pilot.press("tab", *"httpd -f -p 80")
        await pilot.pause()
        assert cli(screen).endswith("busybox:latest httpd -f -p 80")

        # a bad published port: its message under the row, Create disabled
        await pilot.press("ctrl+t")
        await pilot.pause()
        row = screen.query_one(PortRow)
        await pilot.press(*"80", "tab", *"70000")
        await pilot.pause()
        assert "at most 65535" in text(row.query_one(".field-error"))
        assert "published=70000,target=80" in cli(screen)
        assert submit.disabled
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace",
                          *"8088")
        await pilot.pause()
        assert text(row.query_one(".field-error")) == ""
        assert "published=8088,target=80" in cli(screen)
        assert not submit.disabled

        # an unknown network: named, with the overlay networks that do exist
        screen.query_one("#networks").value = "nosuchnet"
        await pilot.pause()
        assert "unknown network 'nosuchnet'" in error(screen, "networks")
        assert "--network nosuchnet" in cli(screen)
        assert submit.disabled
        await pilot.press("ctrl+s")
        await async_wait_for("the refusal", lambda: "fix the fields marked in red first"
                             in notifications(app), 10)  # a message: it comes a turn later
        assert not isinstance(app.screen, ConfirmScreen)
        assert "marked in red" in text(screen.query_one("#form-status"))

        screen.query_one("#networks").value = ""
        screen.query_one("#replicas").value = "two"
        await pilot.pause()
        assert "replicas" in error(screen, "replicas")
        assert submit.disabled
        screen.query_one("#replicas").value = "2"
        screen.query_one("#constraints").text = "node.role=manager"
        await pilot.pause()
        assert "uses '='" in error(screen, "constraints")
        screen.query_one("#constraints").text = "node.role==manager"
        await pilot.pause()
        assert "--constraint node.role==manager" in cli(screen)
        assert not submit.disabled

        # going ahead shows the confirmation with the same CLI; cancel creates nothing
        shown = cli(screen)
        await pilot.press("ctrl+s")
        await async_wait_for("the confirmation", lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert text(app.screen.query_one("#ops-cli")) == shown
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ServiceFormScreen)
    assert "webf" not in lab.ssh("node1", "docker service ls --format '{{.Name}}'")


async def test_network_form_refuses_an_overlap_as_typed(lab, lab_app) -> None:
    ingress = lab.ssh("node1", "docker network inspect ingress --format "
                               "'{{(index .IPAM.Config 0).Subnet}}'").strip()
    app = lab_app(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app)
        assert open_action(app, "forms.new-network")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, NetworkFormScreen)
        await pilot.press(*"ingress")
        await pilot.pause()
        assert "already exists" in error(screen, "name")
        await pilot.press("backspace", *"x")
        await pilot.press("tab", *ingress)
        await pilot.pause()
        assert f"overlaps {ingress} of network 'ingress'" in error(screen, "subnet")
        assert screen.query_one("#submit").disabled
        screen.query_one("#subnet").value = "10.77.0.0/24"
        screen.query_one("#gateway").value = "10.78.0.1"
        await pilot.pause()
        assert "outside the subnet" in error(screen, "gateway")
        screen.query_one("#gateway").value = "10.77.0.1"
        await pilot.pause()
        assert cli(screen) == ("docker network create --driver overlay --subnet 10.77.0.0/24 "
                               "--gateway 10.77.0.1 ingresx")
        assert not screen.query_one("#submit").disabled


async def test_read_only_refuses_mutating_forms_before_opening(lab, lab_app) -> None:
    app = lab_app(lab, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app)
        before = len(app.screen_stack)
        for a in FORM_ACTIONS:
            if a.mutating:
                assert open_action(app, a.id, "x") is False, a.id
        await pilot.pause()
        assert len(app.screen_stack) == before
        assert "read-only mode" in notifications(app)
        # the lists still open, and creating from them is refused
        assert open_action(app, "forms.secrets")
        await pilot.pause()
        assert isinstance(app.screen, ObjectsScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ObjectsScreen)


async def test_edit_form_is_filled_from_the_spec_and_shows_no_change(lab, lab_app) -> None:
    lab.ssh("node1", "docker service create -d --name editf --replicas 0 "
                     "--no-resolve-image --env A=1 busybox:latest sleep 1d")
    try:
        app = lab_app(lab)
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(app)
            await async_wait_for("the service", lambda: app.snapshot.service_by_name("editf"))
            assert open_action(app, "forms.edit-service", app.snapshot.service_by_name("editf").id)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ServiceFormScreen)
            assert screen.query_one("#name").value == "editf"
            assert screen.query_one("#name").disabled
            assert screen.query_one("#replicas").value == "0"
            assert screen.query_one("#env").text == "A=1"
            assert screen.query_one("#submit").disabled
            assert "nothing changed" in cli(screen)
            screen.query_one("#replicas").value = "2"
            await pilot.pause()
            assert cli(screen) == "docker service update --replicas 2 editf"
            assert not screen.query_one("#submit").disabled
            await pilot.press("ctrl+s")
            await async_wait_for("the confirmation",
                                 lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.pause()
            lines = " ".join(text(s) for s in app.screen.query("#ops-preview Static"))
            assert "Mode.Replicated.Replicas: 0 → 2" in lines
    finally:
        lab.ssh("node1", "docker service rm editf")


#: (field, bad text, words of its message) — one bad field at a time
BAD_FIELDS = [
    ("name", "-bad-", "not a valid service name"),
    ("image", "Busybox:Latest", "lower-case"),
    ("command", 'echo "unbalanced', "check the quotes"),
    ("entrypoint", "sh -c 'x", "check the quotes"),
    ("replicas", "-1", "at least 0"),
    ("replicas", "9" * 4301, "at most 100000"),  # int() of 4,301 digits raised ValueError
    ("replicas", "٣", "digits 0–9"),  # Arabic-Indic 3 went to the CLI line as such
    ("replicas", "１２", "digits 0–9"),  # full-width 12
    ("limit_cpus", "lots", "not a number of CPUs"),
    ("limit_memory", "1K", "minimum memory limit"),
    ("reserve_cpus", "x", "not a number of CPUs"),
    ("reserve_memory", "1Q", "is not a size"),
    ("reserve_memory", "٣M", "is not a size"),
    ("restart_delay", "soon", "not a duration"),
    ("restart_max_attempts", "x", "whole number"),
    ("restart_window", "1 hour", "not a duration"),
    ("update_parallelism", "-2", "at least 0"),
    ("update_delay", "abc", "not a duration"),
    ("health_interval", "1 minute", "not a duration"),
    ("health_timeout", "5", "has no unit"),
    ("health_retries", "x", "whole number"),
    ("health_start_period", "later", "not a duration"),
    ("env", "NOVALUE", "must look like KEY=value"),
    ("labels", " =x", "must look like key=value"),
    ("constraints", "node.colour==red", "unknown constraint key"),
    ("preferences", "spread=zone", "not a placement preference"),
    ("networks", "ingress", "ingress network"),
    ("secrets", "nosuchsecret", "unknown secret 'nosuchsecret'"),
    ("configs", "nosuchconfig", "unknown config 'nosuchconfig'"),
]


async def test_each_bad_field_shows_its_own_message_and_blocks_create(lab, lab_app) -> None:
    app = lab_app(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app)
        assert open_action(app, "forms.new-service")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#name").value = "goodf"
        screen.query_one("#image").value = "busybox:latest"
        await pilot.pause()
        submit = screen.query_one("#submit")
        assert not submit.disabled
        for path, bad, words in BAD_FIELDS:
            widget = screen.query_one(f"#{path}")
            attr = "text" if hasattr(widget, "document") else "value"
            good = getattr(widget, attr)
            setattr(widget, attr, bad)
            await pilot.pause()
            message = error(screen, path)
            assert words in message, (path, message)
            assert submit.disabled, path
            # only this field complains
            others = [text(s) for s in screen.query(".field-error")
                      if text(s) and s.id != f"error-{path}"]
            assert others == [], (path, others)
            setattr(widget, attr, good)
            await pilot.pause()
            assert error(screen, path) == "" and not submit.disabled, path
        # keyboard only: Tab reaches a collapsed section, Enter opens it, Tab enters it
        screen.query_one("#name").focus()
        for _ in range(60):
            await pilot.press("tab")
            if app.focused is not None and app.focused.parent is not None \
                    and app.focused.parent.id == "sec-resources":
                break
        else:
            raise AssertionError("Tab never reached the Resources section")
        await pilot.press("enter")
        await pilot.press("tab", *"128M")
        await pilot.pause()
        assert screen.query_one("#limit_cpus").value == "128M"
        assert "not a number of CPUs" in error(screen, "limit_cpus")
