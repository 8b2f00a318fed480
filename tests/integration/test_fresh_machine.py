"""A machine without the system tools: `make` names what to install, CI never passes by skipping.

The tools are hidden by running with a PATH that holds only the few commands the check itself
needs, so these tests run on a fully equipped machine without removing anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SYSTEM_DEPS = ROOT / "scripts" / "system-deps.sh"


def bare_path(tmp_path: Path) -> str:
    """A PATH with bash, python3 (this venv's) and the dpkg/coreutils the script calls, only."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dpkg-query", "grep", "id", "dirname"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "python3").symlink_to(sys.executable)
    return str(bin_dir)


def run(args: list[str], path: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"CI", "HOTLINE_SYSTEM_DEPS"}}
    return subprocess.run(
        args,
        env={**base, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_system_deps_check_names_every_missing_package_and_exits_1(tmp_path: Path) -> None:
    done = run(["/bin/bash", str(SYSTEM_DEPS), "--check"], bare_path(tmp_path))
    assert done.returncode == 1
    for package in ("chromium", "npm", "sip-tester", "baresip", "espeak-ng", "sox"):
        assert f"  {package} " in done.stderr, done.stderr
    assert "sudo apt-get install -y" in done.stderr


def test_without_root_warn_mode_goes_on_but_not_under_ci(tmp_path: Path) -> None:
    path = bare_path(tmp_path)
    script = ["/bin/bash", str(SYSTEM_DEPS), "--check"]
    assert run(script, path, HOTLINE_SYSTEM_DEPS="warn").returncode == 0
    assert run(script, path, HOTLINE_SYSTEM_DEPS="warn", CI="true").returncode == 1


def test_on_this_machine_the_check_is_idempotent() -> None:
    first = run(["/bin/bash", str(SYSTEM_DEPS), "--check"], os.environ["PATH"])
    second = run(["/bin/bash", str(SYSTEM_DEPS), "--check"], os.environ["PATH"])
    assert (first.returncode, first.stdout, first.stderr) == (
        second.returncode,
        second.stdout,
        second.stderr,
    )


def test_missing_sip_peers_fail_under_ci_and_skip_loudly_elsewhere(tmp_path: Path) -> None:
    path = bare_path(tmp_path)
    pytest_args = [
        sys.executable,
        "-m",
        "pytest",
        "tests/integration/test_voice_calls.py",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    in_ci = run(pytest_args, path, CI="true")
    assert in_ci.returncode == 1, in_ci.stdout
    assert "real SIP calls: missing" in in_ci.stdout
    assert "sipp" in in_ci.stdout and "CI=true" in in_ci.stdout

    local = run(pytest_args, path)
    assert local.returncode == 0, local.stdout
    assert "SKIPPED: system tools missing" in local.stdout
    assert "real SIP calls: baresip, espeak-ng" in local.stdout
