"""The `[keymap]` table of the config, checked before it reaches `App.set_keymap`.

A keymap maps binding ids (`main.filter`, `ops.drain`, …; every binding has one) to
keys ("f5" or "f5,ctrl+r"). Two mistakes are caught, each with a message naming the
entry, and the entry is ignored (the app still starts):

* an id no screen binds (a typo, or an action that does not exist);
* a key another binding of the same screen already answers (the remapped key would
  shadow it, or be shadowed by it).

Bindings that share a key on purpose in the defaults (ctrl+d removes a node on the
Nodes pane and a service on the Services pane) are not reported; only a remapped
entry can clash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _normalize_key_list
from textual.screen import Screen

from swarmtui.ui.screens.detail import SCREENS
from swarmtui.ui.screens.main import MainScreen, PaneFilter
from swarmtui.ui.widgets.table import KeyedTable


@dataclass(frozen=True)
class KeymapProblem:
    binding_id: str
    message: str

    def __str__(self) -> str:
        return f"[keymap] {self.binding_id}: {self.message}"


def class_bindings(cls: type[DOMNode]) -> list[Binding]:
    """The bindings a DOM class declares, its bases' included (one per key)."""
    out: list[Binding] = []
    for bindings in cls._merge_bindings().key_to_bindings.values():
        out.extend(bindings)
    return out


def _keys(keys: str) -> list[str]:
    return [k.strip() for k in _normalize_key_list(keys).split(",") if k.strip()]


def validate_keymap(
    keymap: Mapping[str, str], scopes: Mapping[str, Iterable[type[DOMNode]]]
) -> tuple[dict[str, str], list[KeymapProblem]]:
    """Split `keymap` into the entries that are safe to apply and the problems.

    `scopes` names each screen and the DOM classes whose bindings are live on it
    together (the app, the screen, its focused widgets)."""
    scope_bindings: dict[str, list[Binding]] = {}
    known: set[str] = set()
    for scope, classes in scopes.items():
        seen: dict[tuple[str, str], Binding] = {}
        for cls in classes:
            for b in class_bindings(cls):
                if b.id:
                    known.add(b.id)
                    seen[(b.id, b.key)] = b
        scope_bindings[scope] = list(seen.values())

    good: dict[str, str] = {}
    problems: list[KeymapProblem] = []
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            problems.append(KeymapProblem(
                binding_id, "no binding has this id (ignored); `?` lists the ids of a "
                "screen's bindings"))
            continue
        if not isinstance(keys, str) or not _keys(keys):
            problems.append(KeymapProblem(binding_id, f"expected keys such as \"f5\" or "
                                                      f"\"f5,ctrl+r\", not {keys!r} (ignored)"))
            continue
        good[binding_id] = keys

    # a remapped binding clashes if, on a screen where it is live, another binding
    # (after remapping) answers one of its keys
    clashes: dict[str, str] = {}
    for scope, bindings in scope_bindings.items():
        effective: dict[str, set[str]] = {}
        for b in bindings:
            assert b.id is not None
            live_keys = _keys(good[b.id]) if b.id in good else _keys(b.key)
            for key in live_keys:
                effective.setdefault(key, set()).add(b.id)
        for binding_id, keys in good.items():
            if binding_id in clashes or not any(b.id == binding_id for b in bindings):
                continue
            for key in _keys(keys):
                others = sorted(effective.get(key, set()) - {binding_id})
                if others:
                    clashes[binding_id] = (f"{key!r} is already bound to {', '.join(others)} "
                                           f"on the {scope} (ignored)")
                    break
    for binding_id, message in clashes.items():
        good.pop(binding_id, None)
        problems.append(KeymapProblem(binding_id, message))
    return good, problems


def keymap_scopes(app_cls: type[App[Any]]) -> dict[str, list[type[Any]]]:
    """Screens and the classes whose bindings are live on each together (for [keymap]):
    the main screen with its table and filter, and every other screen of swarmtui.ui,
    each with the app (`app_cls`) whose bindings are live everywhere."""
    import importlib
    import pkgutil

    import swarmtui.ui as ui_pkg

    for mod in pkgutil.walk_packages(ui_pkg.__path__, "swarmtui.ui."):
        try:  # the wizards' and forms' screens are imported lazily by their entry points
            importlib.import_module(mod.name)
        except Exception:  # a module that cannot be imported has no screen to remap
            continue
    scopes: dict[str, list[type[Any]]] = {
        "main screen": [app_cls, MainScreen, KeyedTable],
        "main screen's filter": [app_cls, MainScreen, PaneFilter],
    }
    todo: list[type[Any]] = list(Screen.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("swarmtui.ui.") and not issubclass(cls, MainScreen):
            name = f"{cls.__name__} screen"
            if name in scopes:  # two screens of one name (ops/ and forms/ confirmations)
                name = f"{cls.__name__} screen of {cls.__module__}"
            scopes[name] = [app_cls, cls]
    for kind, screen_cls in SCREENS.items():
        scopes[f"{kind} detail screen"] = [app_cls, screen_cls]
    return scopes
