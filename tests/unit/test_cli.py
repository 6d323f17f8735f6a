"""The program as a whole: global options, help, unknown commands, backend selection."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Runner

OSTACK = str(Path(sys.executable).with_name("ostack"))
OPENSTACK = str(Path(sys.executable).with_name("openstack"))


def test_both_console_scripts_run_the_same_program(ostack_home: Path) -> None:
    for script in (OSTACK, OPENSTACK):
        done = subprocess.run([script, "flavor", "show", "m1.tiny", "-f", "value", "-c", "ram"],
                              capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout, done.stderr) == (0, "512\n", "")


def test_version(ostack_home: Path) -> None:
    done = subprocess.run([OSTACK, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.strip() == "ostack 0.1.0"


def test_unknown_command_exits_2_with_suggestions_on_stderr(cli: Runner) -> None:
    result = cli("flavor", "shw")
    assert result.rc == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0].endswith("'flavor shw' is not an ostack command. See 'ostack --help'.") or \
        "'flavor shw' is not an" in lines[0]
    assert lines[1] == "Did you mean one of these?"
    assert "  flavor show" in lines


def test_argparse_errors_exit_2(cli: Runner, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli("flavor", "show")
    assert result.rc == 2
    assert "the following arguments are required: <flavor>" in capsys.readouterr().err


def test_help_for_a_command(cli: Runner) -> None:
    result = cli("help", "flavor", "list")
    assert result.rc == 0
    assert "--long" in result.out


@pytest.mark.parametrize(
    "option",
    [
        # --os-username selects the local backend's acting user: tests/unit/commands/
        # test_identity.py. A password alone names nobody and changes nothing.
        ["--os-auth-type", "password"], ["--os-password", "p"],
        ["--os-project-id", "x"], ["--os-user-domain-name", "Default"],
        ["--os-project-domain-name", "Default"], ["--os-region-name", "RegionOne"],
        ["--os-interface", "public"], ["--os-compute-api-version", "2.1"],
        ["--os-network-api-version", "2"], ["--os-image-api-version", "2"],
        ["--os-cacert", "/dev/null"], ["--insecure"], ["-v"], ["-q"], ["--debug"],
    ],
)
def test_global_options_are_accepted(cli: Runner, option: list[str]) -> None:
    result = cli(*option, "flavor", "show", "m1.tiny", "-f", "value", "-c", "id")
    assert (result.rc, result.out) == (0, "1\n"), result.err


def test_log_file_option(cli: Runner, tmp_path: Path) -> None:
    log = tmp_path / "ostack.log"
    assert cli("--log-file", str(log), "flavor", "list").rc == 0
    assert log.exists()


def test_project_name_selects_the_acting_project(cli: Runner) -> None:
    demo = cli("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    token = cli("--os-project-name", "demo", "token", "issue", "-f", "json").json()
    assert token["project_id"] == demo
    bad = cli("--os-project-name", "nosuch", "flavor", "list")
    assert bad.rc == 1
    assert bad.err.startswith("No Project found for nosuch")


def test_cloud_selection_without_cloud_backend_says_so(cli: Runner, monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n"
        "  mine:\n    ostack_backend: local\n    auth: {project_name: demo}\n"
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    demo = cli("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    token = cli("--os-cloud", "mine", "token", "issue", "-f", "json")
    assert token.rc == 0, token.err
    assert token.json()["project_id"] == demo
    missing = cli("--os-cloud", "nosuch", "flavor", "list")
    assert missing.rc == 1
    assert "nosuch" in missing.err


def test_state_dir_is_private(cli: Runner, ostack_home: Path) -> None:
    assert cli("flavor", "list").rc == 0
    assert stat.S_IMODE(os.stat(ostack_home).st_mode) == 0o700
