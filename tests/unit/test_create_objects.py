"""Secrets and configs: values never shown, validation, CLI masking, who uses them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from swarmtui.swarm.create.inventory import Inventory
from swarmtui.swarm.create.objects import (
    CreateObject,
    Hidden,
    ObjectForm,
    RemoveObject,
    object_rows,
    validate_object,
)
from tests.unit.test_create_fixtures import cluster

VALUE = "correct horse battery staple"


def test_hidden_never_shows_its_value() -> None:
    h = Hidden(VALUE)
    for text in (str(h), repr(h), f"{h}", f"{h!r}", f"{h:>40}", repr(ObjectForm(text=h))):
        assert VALUE not in text
    assert h.reveal() == VALUE.encode()
    assert len(h) == len(VALUE)
    assert h.scrub(f"engine said: {VALUE} is bad") == "engine said: *** is bad"


def test_cli_masks_typed_text_and_shows_a_file_path(tmp_path: Path) -> None:
    op = CreateObject(ObjectForm("secret", "db_pw2", Hidden(VALUE), labels=["env=prod"]))
    assert op.cli == "printf %s '***' | docker secret create --label env=prod db_pw2 -"
    assert VALUE not in op.cli and VALUE not in op.title
    g = op.guard(cluster())
    assert g.allowed
    assert g.preview == (f"secret db_pw2 from typed text ({len(VALUE)} bytes)",)
    assert all(VALUE not in line for line in g.preview)
    f = tmp_path / "app.conf"
    f.write_text("x=1\n")
    assert CreateObject(ObjectForm("config", "app", file=str(f))).cli == \
        f"docker config create app {f}"


def test_object_validation(tmp_path: Path) -> None:
    inv = cluster()

    def msgs(form: ObjectForm) -> list[str]:
        return [str(e) for e in validate_object(form, inv)]

    assert msgs(ObjectForm("secret", "", Hidden("x"))) == ["name: a secret needs a name"]
    assert msgs(ObjectForm("secret", "bad name", Hidden("x")))[0].startswith(
        "name: 'bad name' is not a valid secret name")
    assert msgs(ObjectForm("secret", "db_pw", Hidden("x"))) == [
        "name: a secret named 'db_pw' already exists (secrets cannot be changed: pick a new "
        "name, e.g. db_pw_v2)"]
    assert msgs(ObjectForm("secret", "s")) == ["text: type the secret's value or give a file"]
    assert msgs(ObjectForm("secret", "s", Hidden(""))) == [
        "text: type the secret's value or give a file"]
    assert msgs(ObjectForm("secret", "s", Hidden("x" * (500 * 1024 + 1)))) == [
        f"text: the value is {500 * 1024 + 1} bytes; a secret holds at most 500 KiB"]
    missing = tmp_path / "nope.txt"
    assert msgs(ObjectForm("config", "c", file=str(missing))) == [
        f"file: no such file on this machine: {missing}"]
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert msgs(ObjectForm("config", "c", file=str(empty))) == [f"file: {empty} is empty"]
    assert msgs(ObjectForm("secret", "s", Hidden("x"), labels=["=1"])) == [
        "labels[0]: '=1' must look like key=value (key without spaces)"]


def test_rows_never_carry_data_and_name_their_users() -> None:
    rows = object_rows(cluster(), "secret")
    assert [(r.name, r.used_by) for r in rows] == [("db_pw", ("api",)), ("unused", ())]
    assert not any(hasattr(r, "data") for r in rows)


def test_remove_refused_while_in_use() -> None:
    inv = cluster()
    assert RemoveObject("secret", "db_pw").guard(inv).blocks == (
        "secret db_pw is used by service api — remove it from them first",)
    ok = RemoveObject("secret", "unused")
    assert ok.guard(inv).allowed and ok.confirm_text == "unused"
    assert ok.cli == "docker secret rm unused"
    assert RemoveObject("config", "nope").guard(inv).blocks == ("there is no config 'nope'",)


def test_remove_checks_users_by_name_when_secrets_were_not_listed() -> None:
    full = cluster()
    inv = Inventory(replace(full.snapshot, secrets={}, configs={}), has_objects=False)
    assert RemoveObject("secret", "db_pw").guard(inv).blocks == (
        "secret db_pw is used by service api — remove it from them first",)
