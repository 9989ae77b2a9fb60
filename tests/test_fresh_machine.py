"""A fresh machine: set-up installs the system libraries when it may, or names the one command;
a Python without the dependencies is told how to run the commands, with no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "scripts" / "check-system.sh"


def fake_tools(folder: Path, uid: int, with_apt: bool) -> dict[str, str]:
    """A PATH where ldconfig finds no library, `id -u` says `uid`, and apt-get (if any) logs its call."""
    folder.mkdir()
    (folder / "ldconfig").write_text("#!/bin/sh\nexit 0\n")
    (folder / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (folder / "sudo").write_text("#!/bin/sh\nexit 1\n")  # no password-less sudo
    if with_apt:
        (folder / "apt-get").write_text(f"#!/bin/sh\necho \"$@\" >> {folder}/apt.log\n")
    for tool in folder.iterdir():
        tool.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:/usr/bin:/bin"}


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CHECK), *args], env=env, capture_output=True, text=True, timeout=30)


def test_as_root_with_apt_get_set_up_installs_the_libraries_and_says_what_it_runs(tmp_path):
    env = fake_tools(tmp_path / "bin", 0, with_apt=True)
    result = run_check(env, "--install")
    assert result.returncode == 0, result.stderr
    assert ("Installing the system packages PDF output and the Spark engine need: apt-get update && "
            "apt-get install -y") in result.stderr
    log = (tmp_path / "bin" / "apt.log").read_text()
    assert "install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in log


def test_a_machine_without_java_gets_it_for_the_spark_engine(tmp_path):
    env = fake_tools(tmp_path / "bin", 0, with_apt=True)
    java = tmp_path / "bin" / "java"
    java.write_text("#!/bin/sh\nexit 127\n")  # a java that cannot run, as on a machine without one
    java.chmod(0o755)
    assert run_check(env, "--install").returncode == 0
    log = (tmp_path / "bin" / "apt.log").read_text()
    assert "install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 default-jre-headless" in log


def test_without_the_right_to_install_set_up_stops_with_the_one_command(tmp_path):
    env = fake_tools(tmp_path / "bin", 1000, with_apt=True)
    result = run_check(env, "--install")
    assert result.returncode == 1
    assert "run 'sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0'" in result.stderr
    assert not (tmp_path / "bin" / "apt.log").exists()


def test_a_python_without_the_dependencies_is_told_how_to_run_the_commands():
    code = ("import sys, runpy; sys.modules['numpy'] = None; "
            "sys.argv = ['pipeline', 'validate', 'questionnaires/anes96.yaml', 'raw/anes96.csv']; "
            "runpy.run_module('pipeline', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "does not have the package 'numpy'" in result.stderr and ".venv/bin/python -m pipeline" in result.stderr
    assert "Traceback" not in result.stderr
