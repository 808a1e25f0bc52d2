"""The wheel ships the package, the themes and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_has_package_themes_and_entry_point(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (wheel,) = tmp_path.glob("swarmtui-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "swarmtui/cli.py" in names
    assert "swarmtui/lab/lab.py" in names
    shipped = {n.rsplit("/", 1)[-1] for n in names if n.startswith("swarmtui/_themes/")}
    in_repo = {p.name for p in (ROOT / "themes").iterdir() if p.is_file()}
    assert in_repo, "themes/ holds no theme file"
    assert shipped == in_repo
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "swarmtui = swarmtui.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_python_dash_m_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "swarmtui", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("swarmtui ")


def test_cryptography_floor_excludes_the_versions_with_known_cves() -> None:
    """Issue 15 item 14: below 42.0.4, cryptography has known CVEs (e.g. CVE-2024-26130);
    the floor excludes them, and what is installed still satisfies it."""
    import tomllib
    from importlib.metadata import version

    from packaging.requirements import Requirement
    from packaging.version import Version

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if Requirement(d).name == "cryptography"]
    for vulnerable in ("42.0.0", "42.0.3"):
        assert Version(vulnerable) not in req.specifier, (vulnerable, str(req))
    assert Version("42.0.4") in req.specifier
    assert Version(version("cryptography")) in req.specifier
