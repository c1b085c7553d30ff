#!/usr/bin/env bash
# Prepares this machine to run Plateau's demo and tests: Debian packages, then the virtual env.
#   scripts/setup-dev.sh [apt|venv|all]
# As root, missing Debian packages are installed with apt-get; otherwise the exact apt-get line
# is printed and the script stops. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt offscreen + fonts (without fonts every glyph is a box), sound, NFC (libusb), screenshots (xvfb),
# PDF checks (poppler), the throwaway PostgreSQL cluster of the server tests, unit checks (systemd),
# the installer's lint (shellcheck), the office's browser tests (chromium, its driver, npm for axe-core).
# The e2e test of several server processes runs them behind HAProxy (haproxy).
DEB_PACKAGES=(
  libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0
  fonts-dejavu-core libpulse0 libusb-1.0-0 xvfb xauth poppler-utils postgresql sqlite3 systemd
  python3-venv shellcheck pulseaudio chromium chromium-driver haproxy
)
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

missing_packages() {
  local missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # npm (for axe-core) may come with another Node.js build (it then provides npm itself, and
  # Debian's npm package would conflict with it): ask for Debian's only when there is none
  command -v npm >/dev/null || missing+=(npm)
  echo "${missing[@]:-}"
}

apt_step() {
  command -v dpkg-query >/dev/null || { echo "setup: not a Debian system, skipping Debian packages" >&2; return 0; }
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "setup: these Debian packages are missing. Install them as root, then run make again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends $missing" >&2
    exit 1
  fi
}

# axe-core (the accessibility engine the browser tests inject into each office page), from npm,
# into the virtual env (pinned major version; nothing to do once it is there)
axe_step() {
  [ -f "$VENV/node/node_modules/axe-core/axe.min.js" ] && return 0
  command -v npm >/dev/null || { echo "setup: npm is missing (Debian package npm); skipping axe-core" >&2; return 0; }
  mkdir -p "$VENV/node"
  npm install --silent --no-audit --no-fund --prefix "$VENV/node" axe-core@4 >/dev/null
}

venv_step() {
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
    echo "setup: Plateau needs Python 3.11 or newer ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
  local stamp="$VENV/.plateau-installed"
  axe_step
  if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
    return 0
  fi
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e '.[test]'
  touch "$stamp"
}

case "${1:-all}" in
  apt) apt_step ;;
  venv) venv_step ;;
  all) apt_step; venv_step ;;
  *) echo "usage: $0 [apt|venv|all]" >&2; exit 2 ;;
esac
