"""Secrets and configs: list (never the data), who uses them, create, remove.

A secret's value travels only from the form (or a local file) to the Engine API
request body. It is held in a :class:`Hidden`, whose repr/str are masked; the
CLI equivalent shows ``printf %s '***' | docker secret create NAME -`` (or the
file path), and any error text from the engine is scrubbed of the value before
it is put in an exception.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarmtui.swarm.create.base import (
    CreateOperation,
    GuardResult,
    OperationError,
    Progress,
    engine_errors,
    guard_result,
    removal_guard,
)
from swarmtui.swarm.create.inventory import Inventory, StoredObject
from swarmtui.swarm.create.service_form import FieldError, label_errors, split_pair
from swarmtui.swarm.ops.validate import InputError, user_path

#: swarmkit: 1–64 chars, alphanumerics with "-", "_", "." inside
OBJECT_NAME_RE = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,62}[a-zA-Z0-9])?$")
MAX_SIZE = {"secret": 500 * 1024, "config": 1000 * 1024}
MASK = "***"


class Hidden:
    """A secret value that never shows itself: str/repr/format give ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes | str) -> None:
        self._value = value.encode() if isinstance(value, str) else bytes(value)

    def reveal(self) -> bytes:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return "Hidden('***')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def scrub(self, text: str) -> str:
        """`text` with the value (if long enough to be recognisable) replaced by ***."""
        try:
            value = self._value.decode()
        except UnicodeDecodeError:
            return text
        if len(value) >= 4:
            text = text.replace(value, MASK)
        return text


@dataclass(frozen=True)
class ObjectRow:
    """A row of the secrets or configs pane."""

    kind: str
    name: str
    id: str
    created_at: str
    labels: dict[str, str]
    stack: str | None
    #: names of services that mount it
    used_by: tuple[str, ...]


def object_rows(inv: Inventory, kind: str) -> list[ObjectRow]:
    """Rows for the secrets (kind="secret") or configs pane, sorted by name — never data."""
    objs = inv.secrets if kind == "secret" else inv.configs
    return [
        ObjectRow(kind, o.name, o.id, o.created_at, dict(o.labels), o.stack,
                  tuple(inv.services_using(o)))
        for o in sorted(objs, key=lambda o: o.name)
    ]


@dataclass
class ObjectForm:
    """The "new secret/config" form: a name and either typed text or a local file."""

    kind: str = "secret"
    name: str = ""
    #: typed value (never echoed); ignored when `file` is set
    text: Hidden | None = None
    #: a path on the machine running swarmtui
    file: str = ""
    labels: list[str] = field(default_factory=list)


def validate_object(form: ObjectForm, inv: Inventory | None = None) -> list[FieldError]:
    errors: list[FieldError] = []
    kind = form.kind
    name = form.name.strip()
    if kind not in ("secret", "config"):
        errors.append(FieldError("kind", "kind is secret or config"))
        return errors
    if not name:
        errors.append(FieldError("name", f"a {kind} needs a name"))
    elif not OBJECT_NAME_RE.match(name):
        errors.append(FieldError("name", f"'{name}' is not a valid {kind} name: 1–64 letters, "
                                         "digits, '.', '_', '-', starting and ending with a "
                                         "letter or digit"))
    elif inv is not None and any(
            o.name == name for o in (inv.secrets if kind == "secret" else inv.configs)):
        errors.append(FieldError("name", f"a {kind} named '{name}' already exists ({kind}s "
                                         "cannot be changed: pick a new name, e.g. "
                                         f"{name}_v2)"))
    path = _file_path(form.file) if form.file.strip() else None
    if isinstance(path, str):
        errors.append(FieldError("file", path))
    elif path is not None:
        if not path.is_file():
            errors.append(FieldError("file", f"no such file on this machine: {path}"))
        else:
            size = path.stat().st_size
            if size == 0:
                errors.append(FieldError("file", f"{path} is empty"))
            elif size > MAX_SIZE[kind]:
                errors.append(FieldError("file", f"{path} is {size} bytes; a {kind} holds at "
                                                 f"most {MAX_SIZE[kind] // 1024} KiB"))
    elif form.text is None or len(form.text) == 0:
        errors.append(FieldError("text", f"type the {kind}'s value or give a file"))
    elif len(form.text) > MAX_SIZE[kind]:
        errors.append(FieldError("text", f"the value is {len(form.text)} bytes; a {kind} holds "
                                         f"at most {MAX_SIZE[kind] // 1024} KiB"))
    return errors + label_errors(form.labels)


def _file_path(raw: str) -> Path | str:
    """The file field as a path, or why it is not one (`~nosuchuser/x`)."""
    try:
        return user_path(raw)
    except InputError as exc:
        return str(exc)


def object_create_cli(form: ObjectForm) -> str:
    """`docker secret create …` with the value masked (or the file path)."""
    argv = ["docker", form.kind, "create"]
    for label in form.labels:
        argv += ["--label", label]
    argv.append(form.name.strip())
    if form.file.strip():
        path = _file_path(form.file)
        return shlex.join([*argv, form.file.strip() if isinstance(path, str) else str(path)])
    return f"printf %s '{MASK}' | {shlex.join(argv)} -"


class CreateObject(CreateOperation):
    """Create a secret or a config from typed text or a local file."""

    def __init__(self, form: ObjectForm) -> None:
        super().__init__(form.name.strip())
        self.form = form
        self.name = f"create {form.kind}"
        self.kind = form.kind

    @property
    def cli(self) -> str:
        return object_create_cli(self.form)

    def check(self, inv: Inventory) -> GuardResult:
        errors = validate_object(self.form, inv)
        if errors:
            return guard_result(blocks=[str(e) for e in errors])
        src = f"file {self.form.file.strip()}" if self.form.file.strip() else \
            f"typed text ({len(self.form.text or b'')} bytes)"
        return guard_result(preview=[f"{self.form.kind} {self.target} from {src}"])

    def _data(self) -> Hidden:
        if self.form.file.strip():
            path = _file_path(self.form.file)
            if isinstance(path, str):
                raise OperationError(path)
            return Hidden(path.read_bytes())
        assert self.form.text is not None
        return self.form.text

    def apply(self, api: Any) -> str:
        errors = validate_object(self.form)
        if errors:
            raise OperationError("; ".join(str(e) for e in errors))
        data = self._data()
        labels = {split_pair(x)[0]: split_pair(x)[1] for x in self.form.labels}
        create = api.create_secret if self.form.kind == "secret" else api.create_config
        with engine_errors(f"creating {self.form.kind} {self.target}", data.scrub):
            result = create(self.target, data.reveal(), labels=labels)
        self.applied["id"] = str(result.get("ID"))
        return f"{self.form.kind} {self.target} created"

    def progress(self, snapshot: Any) -> Progress:
        # Secrets/configs are not in the cluster snapshot: apply's success is the answer.
        return Progress(True, f"{self.form.kind} {self.target} created")


class RemoveObject(CreateOperation):
    """`docker secret rm NAME` / `docker config rm NAME` — refused while in use."""

    typed_to_confirm = True

    def __init__(self, kind: str, object_name: str) -> None:
        super().__init__(object_name)
        self.kind = kind
        self.object_name = object_name
        self.name = f"remove {kind}"

    @property
    def cli(self) -> str:
        return shlex.join(["docker", self.kind, "rm", self.object_name])

    def check(self, inv: Inventory) -> GuardResult:
        obj: StoredObject | None = inv.stored(self.kind, self.object_name)
        if obj is None and not inv.has_objects:
            # the domain snapshot lists no secrets/configs: check users by name
            obj = StoredObject(self.kind, "", self.object_name, {}, 0, "")
        if obj is None:
            return guard_result(blocks=[f"there is no {self.kind} '{self.object_name}'"])
        return removal_guard(f"{self.kind} {obj.name}", inv.services_using(obj),
                             "remove it from them first", f"remove {self.kind} {obj.name}")

    def apply(self, api: Any) -> str:
        remove = api.remove_secret if self.kind == "secret" else api.remove_config
        with engine_errors(f"removing {self.kind} {self.object_name}"):
            remove(self.object_name)
        return f"{self.kind} {self.object_name} removed"
