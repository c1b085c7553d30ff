"""packaging/install.sh into a scratch root: files, users, units, and `systemd-analyze verify`.

The script runs for real (bash, useradd --prefix, python -m venv, pip, systemctl --root); the
wheel it installs is built from a copy of this checkout. Only what needs a booted system
(starting services, udevadm, apt-get) is left out, which is what --root means.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
INSTALL = REPO / "packaging" / "install.sh"
STATION_UNITS = ["plateau-kiosk.service", "plateau-sync.service", "plateau-backup.service", "plateau-backup.timer"]


def _run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Plateau as a wheel, built from a clean copy (no build/ folder left in the checkout)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "plateau", src / "plateau", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    done = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(out))
    assert done.returncode == 0, done.stderr
    (found,) = out.glob("plateau-*.whl")
    return found


def _install(root: Path, wheel: Path, *extra: str, user: list[str] | None = None) -> subprocess.CompletedProcess:
    return _run(*(user or []), "bash", str(INSTALL), "--root", str(root), "--wheel", str(wheel), "--no-deps",
                "--python", sys.executable, *extra, env={**os.environ, "HOME": str(root.parent)})


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file and link outside the venv's library folder, with its content or target."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if "/lib/python" in rel or "__pycache__" in rel or rel.endswith("-") or "/lib64" in rel:
            continue
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[rel] = "dir %o" % stat.S_IMODE(path.stat().st_mode)
    return out


def _ids(root: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    passwd = {line.split(":")[0]: line.split(":") for line in (root / "etc/passwd").read_text().splitlines()}
    group = {line.split(":")[0]: line.split(":") for line in (root / "etc/group").read_text().splitlines()}
    return passwd, group


@pytest.fixture(scope="module")
def station_root(tmp_path_factory, wheel):
    root = tmp_path_factory.mktemp("kiosk") / "root"
    token = root.parent / "self-2.token"
    token.write_text('tok-"quoted"\\x\n')
    done = _install(root, wheel, "--role", "station", "--station-id", "self-2", "--site", "0691234X",
                    "--server-url", "http://127.0.0.1:9", "--token-file", str(token))
    assert done.returncode == 0, done.stdout + done.stderr
    return root, done


def test_station_users_and_groups(station_root):
    root, _ = station_root
    passwd, group = _ids(root)
    assert passwd["plateau"][5:] == ["/var/lib/plateau", "/usr/sbin/nologin"]
    assert passwd["plateau-kiosk"][5:] == ["/var/lib/plateau-kiosk", "/usr/sbin/nologin"]
    assert int(passwd["plateau"][2]) < 1000 and int(passwd["plateau-kiosk"][2]) < 1000  # system users
    assert "plateau-kiosk" in group["plateau"][3].split(",")  # shares the replica with the sync daemon
    assert passwd["plateau"][3] == group["plateau"][2]


def test_station_files_modes_and_owners(station_root):
    root, _ = station_root
    passwd, group = _ids(root)
    expect = {  # path: (mode, owner, group)
        "etc/plateau": (0o750, None, "plateau"),
        "etc/plateau/station.toml": (0o640, None, "plateau"),
        "var/lib/plateau": (0o2770, "plateau", "plateau"),
        "var/lib/plateau/backups": (0o2750, "plateau", "plateau"),
        "var/log/plateau": (0o2770, "plateau", "plateau"),
        "var/lib/plateau-kiosk": (0o700, "plateau-kiosk", "plateau-kiosk"),
    }
    for rel, (mode, user, grp_name) in expect.items():
        st = (root / rel).stat()
        assert stat.S_IMODE(st.st_mode) == mode, rel
        if os.geteuid() == 0:
            assert user is None or st.st_uid == int(passwd[user][2]), rel
            assert st.st_gid == int(group[grp_name][2]), rel
    for rel in ["etc/udev/rules.d/70-plateau-readers.rules", "etc/modprobe.d/plateau-nfc-blacklist.conf",
                "etc/pam.d/plateau-kiosk", "etc/logrotate.d/plateau",
                *(f"etc/systemd/system/{u}" for u in STATION_UNITS)]:
        assert stat.S_IMODE((root / rel).stat().st_mode) == 0o644, rel
    assert stat.S_IMODE((root / "usr/local/sbin/plateauctl").stat().st_mode) == 0o755
    blacklist = (root / "etc/modprobe.d/plateau-nfc-blacklist.conf").read_text()
    assert {"blacklist pn533_usb", "blacklist pn533", "blacklist nfc", "blacklist port100"} <= set(blacklist.splitlines())
    assert not (root / "etc/systemd/system/plateau-server.service").exists()


def test_station_toml_is_filled_in_and_loads(station_root):
    from plateau.config import load_settings

    root, _ = station_root
    path = root / "etc/plateau/station.toml"
    raw = tomllib.loads(path.read_text())
    assert raw["server"]["token"] == 'tok-"quoted"\\x'  # escaped for TOML, read back intact
    settings = load_settings(path, env={})
    assert (settings.station.id, settings.station.site, settings.server.url) == ("self-2", "0691234X",
                                                                                "http://127.0.0.1:9")
    assert settings.db.path == "/var/lib/plateau/station.db"


def test_the_venv_release_and_its_link(station_root):
    root, _ = station_root
    assert os.readlink(root / "opt/plateau") == "plateau-0.1.0"  # relative: valid in the target
    script = root / "opt/plateau/bin/plateau"
    assert script.read_text().splitlines()[0] == "#!/opt/plateau-0.1.0/bin/python"  # not the staging path
    done = _run(str(root / "opt/plateau/bin/python"), "-c", "import plateau.cli, plateau.db.backup; "
                "print(plateau.__file__)", cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(str(root / "opt/plateau"))


def test_units_are_enabled_offline(station_root):
    root, _ = station_root
    wants = root / "etc/systemd/system"
    assert sorted(p.name for p in (wants / "multi-user.target.wants").iterdir()) == [
        "plateau-kiosk.service", "plateau-sync.service"]
    assert [p.name for p in (wants / "timers.target.wants").iterdir()] == ["plateau-backup.timer"]


def _verify(root: Path, units: list[str]) -> subprocess.CompletedProcess:
    # systemd-analyze resolves dependencies (sysinit.target, network-online.target, ...) and checks
    # ExecStart binaries inside --root: give the scratch root this host's system units and a stub
    # cage (the real one is a Debian package of the kiosk, absent here).
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", dirs_exist_ok=True,
                    symlinks=True)
    cage = root / "usr/bin/cage"
    cage.parent.mkdir(parents=True, exist_ok=True)
    cage.write_text("#!/bin/sh\nexec \"$@\"\n")
    cage.chmod(0o755)
    return _run("systemd-analyze", "verify", f"--root={root}", "--man=no",
                *(f"etc/systemd/system/{u}" for u in units), cwd=root)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None or not Path("/usr/lib/systemd/system").is_dir(),
                    reason="systemd-analyze is not installed (Debian package systemd)")
def test_systemd_analyze_verify_station_units(station_root):
    root, _ = station_root
    done = _verify(root, STATION_UNITS)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


def test_a_second_run_changes_nothing_and_keeps_the_operators_config(station_root, wheel):
    root, _ = station_root
    config = root / "etc/plateau/station.toml"
    config.write_text(config.read_text().replace('kind = "keyboard"', 'kind = "nfc"'))
    before = _tree_digest(root)
    passwd_before = (root / "etc/passwd").read_text()
    done = _install(root, wheel, "--role", "station", "--site", "OTHER")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "keeping the existing /etc/plateau/station.toml" in done.stdout
    assert "created" not in done.stdout
    assert (root / "etc/passwd").read_text() == passwd_before
    after = _tree_digest(root)
    assert {k: v for k, v in after.items() if k not in before} == {}
    assert [k for k in before if before[k] != after.get(k)] == []
    assert 'kind = "nfc"' in config.read_text()


def test_server_role(tmp_path, wheel):
    root = tmp_path / "root"
    done = _install(root, wheel, "--role", "server")
    assert done.returncode == 0, done.stdout + done.stderr
    passwd, _ = _ids(root)
    assert "plateau" in passwd and "plateau-kiosk" not in passwd
    env = (root / "etc/plateau/server.env").read_text()
    assert "PLATEAU_SERVER_DB=" in env and stat.S_IMODE((root / "etc/plateau/server.env").stat().st_mode) == 0o640
    assert not (root / "etc/plateau/station.toml").exists()
    assert not (root / "etc/udev/rules.d/70-plateau-readers.rules").exists()
    assert [p.name for p in (root / "etc/systemd/system/multi-user.target.wants").iterdir()] == [
        "plateau-server.service"]
    if shutil.which("systemd-analyze") and Path("/usr/lib/systemd/system").is_dir():
        checked = _verify(root, ["plateau-server.service"])
        assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked.stdout + checked.stderr


def test_no_start_enables_nothing(tmp_path, wheel):
    root = tmp_path / "root"
    done = _install(root, wheel, "--no-start")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not list((root / "etc/systemd/system").glob("*.wants"))
    assert "set [station] site" in done.stdout  # no --site given: the person is told what to edit


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None or not Path("/usr/bin/python3").exists(),
                    reason="needs root to drop to an unprivileged user (setpriv) and a system python3")
def test_unprivileged_staging_writes_the_accounts_itself(wheel):
    # pytest's tmp folders are private to root, and so may be the checkout itself (a clone under
    # root's home, mode 0700): stage everything nobody needs (the installer with the packaging
    # files beside it, the wheel) in a folder nobody can enter, and run from there
    work = Path(tempfile.mkdtemp(prefix="plateau-install-"))
    try:
        work.chmod(0o777)
        staged_wheel = work / wheel.name
        shutil.copy(wheel, staged_wheel)
        packaging = work / "packaging"
        shutil.copytree(INSTALL.parent, packaging)
        for path in [packaging, *packaging.rglob("*")]:  # readable whatever the checkout's umask
            path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))
        root = work / "root"
        nobody = pwd.getpwnam("nobody")
        drop = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={grp.getgrnam('nogroup').gr_gid}",
                "--clear-groups"]
        done = _run(*drop, "bash", str(packaging / INSTALL.name), "--root", str(root), "--wheel", str(staged_wheel),
                    "--no-deps", "--python", "/usr/bin/python3", "--no-start", cwd=work,
                    env={**os.environ, "HOME": str(work)})
        assert done.returncode == 0, done.stdout + done.stderr
        passwd, group = _ids(root)
        assert passwd["plateau-kiosk"][3] == group["plateau-kiosk"][2]
        assert "plateau-kiosk" in group["plateau"][3].split(",")
        assert len({passwd["plateau"][2], passwd["plateau-kiosk"][2]}) == 2
        assert "keep your ownership" in done.stdout
        assert (root / "etc/shadow").stat().st_mode & 0o077 == 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_bad_options_are_refused_with_one_line(tmp_path):
    for args, message in [(["--role", "kiosk"], "--role must be station or server"),
                          (["--server-url", "plateau.example.org"], "--server-url must start with http"),
                          (["--wheel", str(tmp_path / "none.whl")], "nothing to install at"),
                          (["--frobnicate"], "unknown option --frobnicate")]:
        done = _run("bash", str(INSTALL), "--root", str(tmp_path / "r"), *args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
