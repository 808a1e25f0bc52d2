"""Inputs that used to end the app with a traceback (issue 15, item 6), each now a
message of the validator's own error type; and digits other than ASCII 0–9 refused,
so the CLI line shows what is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmtui.bootstrap.export import ExportError, user_path
from swarmtui.swarm.create.compose import ComposeError, load_compose
from swarmtui.swarm.create.objects import ObjectForm, object_create_cli, validate_object
from swarmtui.swarm.create.service_cli import create_argv
from swarmtui.swarm.create.service_form import ServiceForm, validate
from swarmtui.swarm.create.units import UnitError, parse_cpus, parse_duration, parse_int, parse_size
from swarmtui.swarm.ops.validate import InputError, parse_replicas

NO_USER = "~zz-no-such-user/file"
NOT_ASCII = ["٣", "１２", "²", "۱۰", "3٣"]


@pytest.mark.parametrize("raw", ["9" * 4301, "1" + "0" * 5000, *NOT_ASCII])
def test_replicas_of_the_scale_dialog(raw: str) -> None:
    with pytest.raises(InputError) as err:
        parse_replicas(raw)
    assert len(str(err.value)) < 200  # the 4,301 digits are not echoed back


def test_replicas_in_ascii_still_work() -> None:
    assert parse_replicas(" 0012 ") == 12 and parse_replicas("100000") == 100_000
    with pytest.raises(InputError, match="more than this tool allows"):
        parse_replicas("100001")


@pytest.mark.parametrize("raw", ["9" * 4301, "-" + "9" * 4301, *NOT_ASCII])
def test_whole_numbers_of_the_forms(raw: str) -> None:
    with pytest.raises(UnitError):
        parse_int(raw, "replicas", minimum=0, maximum=100_000)


@pytest.mark.parametrize("parse,raw", [
    (parse_size, "٣M"), (parse_size, "9" * 5000 + "P"), (parse_size, "99999999999P"),
    (parse_duration, "٣s"), (parse_duration, "9" * 4301 + "h"), (parse_duration, "1" * 30 + "h"),
    (parse_cpus, "٣"), (parse_cpus, "1e999999"), (parse_cpus, "9" * 4301), (parse_cpus, "NaN"),
])
def test_units(parse, raw: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnitError):
        parse(raw)


def test_the_service_form_refuses_other_digits_and_the_cli_shows_what_is_sent() -> None:
    for raw in ["٣", "9" * 4301]:
        errors = validate(ServiceForm(name="web", image="busybox", replicas=raw))
        assert [e.field for e in errors] == ["replicas"], errors
    argv = create_argv(ServiceForm(name="web", image="busybox", replicas="007"))
    assert argv[argv.index("--replicas") + 1] == "7"  # as the spec says: Replicas 7


def test_tilde_of_an_unknown_user_is_a_message() -> None:
    errors = validate_object(ObjectForm("secret", "s", file=NO_USER))
    assert [e.field for e in errors] == ["file"] and "no user" in str(errors[0])
    assert object_create_cli(ObjectForm("secret", "s", file=NO_USER)).endswith(f"'{NO_USER}'")
    with pytest.raises(ComposeError, match="no user"):
        load_compose(NO_USER, "st")
    with pytest.raises(ExportError, match="no user"):
        user_path(NO_USER)
    from swarmtui.ui.forms.stack import default_stack_name
    assert default_stack_name(NO_USER) == ""


def test_a_compose_file_that_is_not_utf8_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_bytes(b"services:\n  web:\n    image: caf\xe9\n")
    with pytest.raises(ComposeError, match="not UTF-8"):
        load_compose(path, "st")


def test_a_theme_file_that_is_not_utf8_is_a_theme_error(tmp_path: Path) -> None:
    from swarmtui.ui import themes

    (tmp_path / "latin1.toml").write_bytes(b'name = "caf\xe9"\nprimary = "#ff0000"\n')
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#00ff00"\n')
    found, errors = themes.load_themes([tmp_path])
    assert [t.name for t in found] == ["good"]
    assert len(errors) == 1 and "latin1.toml" in str(errors[0]) and "UTF-8" in str(errors[0])
