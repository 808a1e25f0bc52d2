"""The domain layers never import textual (also an import-linter contract in pyproject)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import swarmtui

DOMAIN = (
    "swarmtui.connect",
    "swarmtui.swarm",
    "swarmtui.bootstrap",
    "swarmtui.config",
    "swarmtui.lab",
    "swarmtui.audit",
    "swarmtui.cli",
)


def domain_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(swarmtui.__path__, "swarmtui."):
        if info.name.startswith(DOMAIN):
            names.append(info.name)
    return names


def test_domain_modules_exist() -> None:
    mods = domain_modules()
    assert "swarmtui.lab.lab" in mods
    assert "swarmtui.cli" in mods


def test_importing_every_domain_module_loads_no_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for m in {domain_modules()!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m == 'textual' or m.startswith(('textual.', 'swarmtui.ui')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"domain modules pulled in: {out.stdout.strip()}"


def test_no_file_under_ui_touches_the_docker_api() -> None:
    """Screens get data from the store and send changes through the runner."""
    import pathlib
    import re

    ui = pathlib.Path(swarmtui.__file__).parent / "ui"
    calls = re.compile(r"^\s*(import docker|from docker\b)|\.api\(\)", re.M)
    bad = [str(p.relative_to(ui)) for p in sorted(ui.rglob("*.py")) if calls.search(p.read_text())]
    assert bad == []
