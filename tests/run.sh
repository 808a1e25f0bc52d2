#!/usr/bin/env bash
# The one test command. On a fresh Debian/Ubuntu machine, as root:
#     bash tests/run.sh
# installs the Debian packages the suite needs (the lab's dockerd, sshd, ...),
# the Python package with its test extras in .venv, then runs everything:
# lint, types, layer contracts, unit, functional and lab tests.
# Extra arguments go to pytest (e.g. `bash tests/run.sh tests/unit -x`).
# The tests run on 3 pytest-xdist workers (lab tests mostly wait on the engine, so 3
# overlap even on 2 cores: ~11 min instead of ~25); SWARMTUI_TEST_WORKERS=N sets another
# count, 0 runs them in one process.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(docker.io openssh-server openssh-client iproute2 iptables busybox-static tmux util-linux python3-venv python3-pip sudo curl openssl)
missing=()
for pkg in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" != 0 ]; then
        echo "tests/run.sh: missing Debian packages: ${missing[*]}; run this script as root to install them" >&2
        exit 1
    fi
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -qq
    # The lab starts its own dockerd per host; keep the package's service from starting.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv"
    "$PY" -m venv .venv
fi
echo "== installing swarmtui[dev]"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[dev]' 2>&1 | grep -v -E '^WARNING: Location' || true
.venv/bin/python -c 'import swarmtui, textual, docker, asyncssh' 

echo "== ruff"
.venv/bin/ruff check swarmtui tests
echo "== mypy"
.venv/bin/mypy
echo "== import contracts"
.venv/bin/lint-imports
echo "== pytest"
exec .venv/bin/python -m pytest -n "${SWARMTUI_TEST_WORKERS:-3}" --dist loadgroup "$@"
