#!/usr/bin/env bash
# Installs Plateau on a Debian 13 machine: a canteen kiosk (--role station) or the central
# server (--role server). Run it as root from a checkout or an unpacked release:
#
#   sudo packaging/install.sh --role station --station-id self-1 --site 0691234X \
#        --server-url https://plateau.example.org --token-file /root/self-1.token
#
# What it does (docs/install-kiosk.md, docs/install-server.md):
#   users     plateau (system user owning /var/lib/plateau, runs sync, backup, server) and, for a
#             station, plateau-kiosk (runs the kiosk screen; member of the plateau group)
#   venv      /opt/plateau-<version> with Plateau installed, /opt/plateau -> that folder (an upgrade
#             installs beside it and switches the link; rollback switches it back: docs/upgrade.md)
#   config    /etc/plateau/station.toml (station) or /etc/plateau/server.env (server) from a
#             template, only when absent: an existing file is never overwritten
#   data      /var/lib/plateau (2770: the kiosk and the sync daemon share the replica through the
#             plateau group; nobody else reads it), /var/lib/plateau/backups, /var/log/plateau
#   system    systemd units, udev rules for the readers, the NFC kernel-driver blacklist, the PAM
#             session of the kiosk, logrotate, /usr/local/sbin/plateauctl; then runs the first
#             sync (station) and enables and starts the services
#
# Options:
#   --role station|server   what this machine is (default: station)
#   --root DIR              install into DIR instead of / (image building, tests): users are
#                           written to DIR/etc/passwd and group (useradd --prefix as root, plain
#                           file edits otherwise), units are enabled offline (systemctl --root),
#                           nothing is started, no apt-get
#   --no-start              do not enable or start anything (configure first, start later)
#   --wheel FILE | --source DIR
#                           what to install (default: the checkout this script lives in)
#   --find-links DIR        install offline from the wheels in DIR (pip --no-index)
#   --no-deps               install Plateau alone: its dependencies are already in the venv
#   --python PYTHON         interpreter for the venv (default: python3)
#   --no-apt                do not install Debian packages
#   --station-id ID --site UAI --server-url URL --token-file FILE
#                           fill in a new station.toml
# Idempotent: running it again repairs what is missing and keeps configuration and data.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=""
ROLE=station
START=1
APT=1
PKG=""
FIND_LINKS=""
NO_DEPS=0
PYTHON=python3
STATION_ID="" SITE="" SERVER_URL="" TOKEN_FILE=""

KIOSK_USER=plateau-kiosk
STATION_UNITS=(plateau-kiosk.service plateau-sync.service plateau-backup.service plateau-backup.timer)
STATION_ENABLE=(plateau-kiosk.service plateau-sync.service plateau-backup.timer)
SERVER_UNITS=(plateau-server.service)
SERVER_ENABLE=(plateau-server.service)
STATION_DEBS=(cage python3-venv libusb-1.0-0 fonts-dejavu-core libegl1 libgl1 libxkbcommon0
              libfontconfig1 libdbus-1-3 libwayland-client0 libwayland-cursor0 libwayland-egl1
              libpulse0 logrotate sqlite3)
SERVER_DEBS=(python3-venv logrotate)

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

need_value() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) need_value "$@"; ROOT=$(realpath -m "$2"); shift ;;
    --role) need_value "$@"; ROLE=$2; shift ;;
    --no-start) START=0 ;;
    --no-apt) APT=0 ;;
    --wheel|--source) need_value "$@"; PKG=$2; shift ;;
    --find-links) need_value "$@"; FIND_LINKS=$2; shift ;;
    --no-deps) NO_DEPS=1 ;;
    --python) need_value "$@"; PYTHON=$2; shift ;;
    --station-id) need_value "$@"; STATION_ID=$2; shift ;;
    --site) need_value "$@"; SITE=$2; shift ;;
    --server-url) need_value "$@"; SERVER_URL=$2; shift ;;
    --token-file) need_value "$@"; TOKEN_FILE=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done

case "$ROLE" in station|server) ;; *) die "--role must be station or server, not '$ROLE'" ;; esac
[ -z "$ROOT" ] || [ "$ROOT" != / ] || ROOT=""
if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (sudo $0 ...), or use --root DIR to stage the files into a folder"
fi
IS_ROOT=0; [ "$(id -u)" -eq 0 ] && IS_ROOT=1
PKG=${PKG:-$(dirname "$HERE")}
[ -e "$PKG" ] || die "nothing to install at $PKG"
PKG=$(realpath "$PKG")  # pip reads a bare name as a package to download
[ -z "$TOKEN_FILE" ] || [ -r "$TOKEN_FILE" ] || die "cannot read the token file $TOKEN_FILE"
[ -z "$FIND_LINKS" ] || [ -d "$FIND_LINKS" ] || die "--find-links: no such folder $FIND_LINKS"
[ -z "$SERVER_URL" ] || [[ "$SERVER_URL" =~ ^https?:// ]] || die "--server-url must start with http:// or https://"

# -- checks of the target machine ----------------------------------------------------------
glibc_check() {
  # PySide6 wheels are built for glibc >= 2.34 on x86-64 and >= 2.39 on arm64: Debian 12 arm64
  # (glibc 2.36) cannot run the kiosk; Debian 13 (2.41) can, on both (docs/install-kiosk.md).
  local version arch need
  version=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
  arch=$(uname -m)
  case "$arch" in aarch64|arm64) need=2.39 ;; x86_64) need=2.34 ;; *) die "unsupported architecture $arch (x86-64 or arm64)" ;; esac
  [ -n "$version" ] || return 0
  if [ "$(printf '%s\n%s\n' "$need" "$version" | sort -V | head -1)" != "$need" ]; then
    die "glibc $version is too old for the kiosk's Qt (PySide6) on $arch: it needs $need or newer. Install Debian 13."
  fi
}

apt_step() {
  [ "$APT" -eq 1 ] && [ -z "$ROOT" ] || return 0
  command -v apt-get >/dev/null || { say "not a Debian system: skipping Debian packages"; return 0; }
  local -a debs missing=()
  if [ "$ROLE" = station ]; then debs=("${STATION_DEBS[@]}"); else debs=("${SERVER_DEBS[@]}"); fi
  for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# -- users and groups ----------------------------------------------------------------------
# In --root mode the accounts go to $ROOT/etc: with `useradd --prefix` when we are root (it
# edits the files without chroot), else by appending the lines ourselves (unprivileged staging).
db_has() { # db_has passwd|group NAME
  if [ -n "$ROOT" ]; then grep -q "^$2:" "$ROOT/etc/$1" 2>/dev/null; else getent "$1" "$2" >/dev/null; fi
}

free_id() { # a free system id, counting down from 999 like useradd
  local id
  for id in $(seq 999 -1 100); do
    cut -d: -f3 "$ROOT/etc/passwd" "$ROOT/etc/group" 2>/dev/null | grep -qx "$id" || { echo "$id"; return; }
  done
  die "no free system id in $ROOT/etc"
}

prefix_files() {
  mkdir -p "$ROOT/etc"
  local f
  for f in passwd group; do [ -e "$ROOT/etc/$f" ] || : >"$ROOT/etc/$f"; done
  for f in shadow gshadow; do [ -e "$ROOT/etc/$f" ] || { : >"$ROOT/etc/$f"; chmod 0600 "$ROOT/etc/$f"; }; done
}

use_useradd() { [ "$IS_ROOT" -eq 1 ] && command -v useradd >/dev/null; }

ensure_group() { # NAME
  db_has group "$1" && return 0
  if use_useradd; then
    groupadd ${ROOT:+--prefix "$ROOT"} --system "$1"
  else
    local gid; gid=$(free_id)
    echo "$1:x:$gid:" >>"$ROOT/etc/group"
    echo "$1:!::" >>"$ROOT/etc/gshadow"
  fi
  say "created group $1"
}

ensure_user() { # NAME HOME COMMENT
  db_has passwd "$1" && return 0
  if use_useradd; then
    useradd ${ROOT:+--prefix "$ROOT"} --system --gid "$1" --home-dir "$2" --no-create-home \
      --shell /usr/sbin/nologin --comment "$3" "$1"
  else
    local uid gid
    uid=$(free_id); gid=$(grep "^$1:" "$ROOT/etc/group" | cut -d: -f3)
    echo "$1:x:$uid:$gid:$3:$2:/usr/sbin/nologin" >>"$ROOT/etc/passwd"
    echo "$1:!*:::::::" >>"$ROOT/etc/shadow"
  fi
  say "created user $1"
}

ensure_member() { # USER GROUP
  db_has group "$2" || return 0
  local line members
  if [ -n "$ROOT" ]; then line=$(grep "^$2:" "$ROOT/etc/group"); else line=$(getent group "$2"); fi
  members=",${line##*:},"
  [[ "$members" == *",$1,"* ]] && return 0
  if use_useradd; then
    usermod ${ROOT:+--prefix "$ROOT"} --append --groups "$2" "$1"
  else
    sed -i "s/^\($2:[^:]*:[^:]*:\)\(.\{1,\}\)$/\1\2,$1/; s/^\($2:[^:]*:[^:]*:\)$/\1$1/" "$ROOT/etc/group"
  fi
}

users_step() {
  [ -z "$ROOT" ] || prefix_files
  ensure_group plateau
  ensure_user plateau /var/lib/plateau "Plateau canteen access control"
  if [ "$ROLE" = station ]; then
    ensure_group "$KIOSK_USER"
    ensure_user "$KIOSK_USER" /var/lib/plateau-kiosk "Plateau kiosk screen"
    ensure_member "$KIOSK_USER" plateau
    # the screen, the touch panel and sound through the kiosk's logind session (where they exist)
    local g; for g in video input render audio; do ensure_member "$KIOSK_USER" "$g"; done
  fi
}

# -- files -----------------------------------------------------------------------------------
owner() { # USER GROUP -> uid:gid valid in the target (numeric in --root mode)
  if [ -z "$ROOT" ]; then echo "$1:$2"; return; fi
  echo "$(grep "^$1:" "$ROOT/etc/passwd" | cut -d: -f3):$(grep "^$2:" "$ROOT/etc/group" | cut -d: -f3)"
}

# chown needs root; an unprivileged --root staging keeps the files as they are (said once)
CHOWN_SKIPPED=0
set_owner() { # USER GROUP PATH...
  local who; who=$(owner "$1" "$2"); shift 2
  if [ "$IS_ROOT" -eq 1 ]; then chown "$who" "$@"; else CHOWN_SKIPPED=1; fi
}

make_dir() { # MODE USER GROUP PATH
  mkdir -p "$ROOT$4"
  set_owner "$2" "$3" "$ROOT$4"
  chmod "$1" "$ROOT$4"  # after chown, which may drop the setgid bit
}

put() { # MODE SOURCE DEST: a file of ours, replaced on every run
  install -D -m "$1" "$HERE/$2" "$ROOT$3"
}

dirs_step() {
  make_dir 00750 root plateau /etc/plateau
  make_dir 2770 plateau plateau /var/lib/plateau
  make_dir 2750 plateau plateau /var/lib/plateau/backups
  make_dir 2770 plateau plateau /var/log/plateau
  [ "$ROLE" = station ] && make_dir 00700 "$KIOSK_USER" "$KIOSK_USER" /var/lib/plateau-kiosk
  return 0
}

fill_template() { # SOURCE DEST: @KEY@ placeholders, values escaped for TOML strings
  local token=""
  [ -z "$TOKEN_FILE" ] || token=$(head -n1 "$TOKEN_FILE" | tr -d '\r\n')
  STATION_ID=${STATION_ID:-self-1} SITE=$SITE SERVER_URL=$SERVER_URL TOKEN=$token \
    "$PYTHON" - "$1" "$2" <<'PY'
import os, sys
text = open(sys.argv[1], encoding="utf-8").read()
for key in ("STATION_ID", "SITE", "SERVER_URL", "TOKEN"):
    value = os.environ.get(key, "").replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace(f"@{key}@", value)
with open(sys.argv[2], "x", encoding="utf-8") as out:  # "x": never overwrite
    out.write(text)
PY
}

config_step() {
  local dest
  if [ "$ROLE" = station ]; then
    dest="$ROOT/etc/plateau/station.toml"
    if [ -e "$dest" ]; then
      say "keeping the existing /etc/plateau/station.toml"
    else
      (umask 0137; fill_template "$HERE/station.toml.template" "$dest")
      set_owner root plateau "$dest"
      if [ -n "$SITE" ]; then say "wrote /etc/plateau/station.toml for site $SITE"
      else say "wrote /etc/plateau/station.toml: set [station] site and [server] before starting"; fi
    fi
  else
    dest="$ROOT/etc/plateau/server.env"
    if [ -e "$dest" ]; then
      say "keeping the existing /etc/plateau/server.env"
    else
      install -m 0640 "$HERE/server.env.template" "$dest"
      set_owner root plateau "$dest"
      say "wrote /etc/plateau/server.env (check PLATEAU_SERVER_DB)"
    fi
  fi
}

system_files_step() {
  local unit
  if [ "$ROLE" = station ]; then
    for unit in "${STATION_UNITS[@]}"; do put 0644 "systemd/$unit" "/etc/systemd/system/$unit"; done
    put 0644 udev/70-plateau-readers.rules /etc/udev/rules.d/70-plateau-readers.rules
    put 0644 modprobe/plateau-nfc-blacklist.conf /etc/modprobe.d/plateau-nfc-blacklist.conf
    put 0644 pam/plateau-kiosk /etc/pam.d/plateau-kiosk
  else
    for unit in "${SERVER_UNITS[@]}"; do put 0644 "systemd/$unit" "/etc/systemd/system/$unit"; done
  fi
  put 0644 logrotate/plateau /etc/logrotate.d/plateau
  put 0755 plateauctl /usr/local/sbin/plateauctl
}

# -- the virtual env -------------------------------------------------------------------------
package_version() {
  if [ -f "$PKG" ]; then
    basename "$PKG" | sed -n 's/^plateau-\([^-]*\)-.*\.whl$/\1/p'
  else
    sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$PKG/pyproject.toml" | head -1
  fi
}

venv_step() {
  local version release link pip_opts=()
  version=$(package_version)
  [ -n "$version" ] || die "cannot tell the version of $PKG (a plateau-*.whl or a source folder with pyproject.toml)"
  release="/opt/plateau-$version"
  link="$ROOT/opt/plateau"
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    die "$link exists and is not a link: move it away (an install from before side-by-side releases)"
  fi
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "$PYTHON is older than Python 3.11"
  if [ ! -x "$ROOT$release/bin/python" ]; then
    say "creating the virtual env $release"
    mkdir -p "$ROOT/opt"
    "$PYTHON" -m venv "$ROOT$release"
  fi
  [ -z "$FIND_LINKS" ] || pip_opts+=(--no-index --find-links "$FIND_LINKS")
  local pip=("$ROOT$release/bin/python" -m pip install --disable-pip-version-check -q "${pip_opts[@]}")
  if [ "$NO_DEPS" -eq 0 ]; then
    say "installing Plateau $version and its dependencies (PySide6 is large: a few minutes)"
    "${pip[@]}" "$PKG"
  fi
  # Reinstall Plateau itself every time, so that a rebuilt package of the same version replaces
  # the old files (pip would otherwise say "already satisfied").
  "${pip[@]}" --no-deps --force-reinstall "$PKG"
  if [ -n "$ROOT" ]; then
    # The scripts were written with $ROOT in their #! line: make them right for the target.
    { grep -rlI --null "$ROOT$release" "$ROOT$release/bin" || true; } | xargs -0 -r sed -i "s#$ROOT$release#$release#g"
  fi
  ln -sfn "plateau-$version" "$link.new" && mv -T "$link.new" "$link"
  say "/opt/plateau -> plateau-$version"
}

# -- enable and start ------------------------------------------------------------------------
enable_step() {
  local -a units
  if [ "$ROLE" = station ]; then units=("${STATION_ENABLE[@]}"); else units=("${SERVER_ENABLE[@]}"); fi
  if [ "$START" -eq 0 ]; then
    say "not enabling anything (--no-start); later: systemctl enable --now ${units[*]}"
    return 0
  fi
  if [ -n "$ROOT" ]; then
    if command -v systemctl >/dev/null; then
      systemctl --root="$ROOT" --quiet enable "${units[@]}"
      say "enabled (offline, in $ROOT): ${units[*]}"
    fi
    return 0
  fi
  systemctl daemon-reload
  if [ "$ROLE" = station ]; then
    udevadm control --reload || true
    udevadm trigger --subsystem-match=usb --subsystem-match=tty || true
    modprobe -r port100 pn533_usb pn533 nfc 2>/dev/null || true
    systemctl disable --quiet getty@tty1.service 2>/dev/null || true
  fi
  [ "$ROLE" = server ] || first_sync
  systemctl enable --now "${units[@]}"
  say "enabled and started: ${units[*]}"
  health_step
}

first_sync() {
  # The kiosk opens an existing replica only: the first complete pull creates it. Without a
  # server (or when it does not answer yet) the kiosk retries until the sync daemon has done it.
  grep -q '^token *= *"[^"]' /etc/plateau/station.toml || { say "no [server] token yet: skipping the first sync"; return 0; }
  say "first sync (the whole school: may take a minute)"
  if /usr/local/sbin/plateauctl sync --once; then
    say "first sync done"
  else
    say "warning: the first sync failed; plateau-sync retries by itself (journalctl -u plateau-sync)"
  fi
}

health_step() {
  local url
  if [ "$ROLE" = server ]; then
    local port; port=$(sed -n 's/^PLATEAU_SERVER_PORT=//p' /etc/plateau/server.env | tail -1)
    url="http://127.0.0.1:${port:-8470}"
  else
    url=$(sed -n 's/^url *= *"\(.*\)".*/\1/p' /etc/plateau/station.toml | head -1)
    [ -n "$url" ] || { say "no [server] url: this station runs alone until one is set"; return 0; }
  fi
  if /opt/plateau/bin/python - "$url/api/v1/health" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 30
while True:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
            print("install:", sys.argv[1], "answers", r.status, r.read(200).decode(errors="replace"))
            sys.exit(0)
    except Exception as exc:
        if time.monotonic() > deadline:
            print("install: warning:", sys.argv[1], "does not answer:", exc, file=sys.stderr)
            sys.exit(1)
        time.sleep(1)
PY
  then :; else
    say "the server does not answer yet; the kiosk works offline and syncs once it does"
  fi
}

main() {
  [ -n "$ROOT" ] || [ "$ROLE" != station ] || glibc_check
  apt_step
  users_step
  dirs_step
  venv_step
  config_step
  system_files_step
  enable_step
  [ "$CHOWN_SKIPPED" -eq 0 ] || say "not root: files in $ROOT keep your ownership (run as root for the real owners)"
  say "done: Plateau $(package_version), role $ROLE${ROOT:+, into $ROOT}"
}

main
