"""Lazy package names (PEP 562): a package loads each of its modules on first use of one of
its names, so importing one name does not import them all (start-up time: issue 17)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_names(package: str, where: Mapping[str, str]) -> Callable[[str], object]:
    """The module ``__getattr__`` of `package`: `where` maps each public name to the
    submodule defining it; a name is imported once, then kept in the package."""

    def load(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return load
