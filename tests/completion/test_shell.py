"""``ostack`` with no command: a batch of commands on stdin, and the shell's own completion."""

from __future__ import annotations

import io
import signal
import subprocess
from pathlib import Path

import pytest

from ostack_cli.completion.shell import OstackShell
from ostack_cli.main import OstackApp
from tests.completion.conftest import OSTACK, World, base_env
from tests.conftest import Runner


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return base_env(tmp_path / "home", tmp_path)


def batch(env: dict[str, str], text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(OSTACK)], input=text, env=env, capture_output=True, text=True,
                          check=False, timeout=60)


def test_batch_stops_at_the_first_failure_with_its_status(env: dict[str, str]) -> None:
    done = batch(env, "flavor list -f value -c Name\nflavor show nosuch\nflavor list\n")
    assert done.returncode == 1
    assert done.stdout == "m1.tiny\nm1.small\nm1.medium\nm1.large\nm1.xlarge\n"
    assert done.stderr == "No Flavor found for nosuch\n"


def test_batch_of_successes_exits_0(env: dict[str, str]) -> None:
    done = batch(env, "# a comment\n\nflavor show m1.tiny -f value -c ram\n"
                      "network create n1 -f value -c name\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "512\nn1\n", "")


def test_batch_stops_at_a_usage_error_with_status_2(env: dict[str, str]) -> None:
    done = batch(env, "flavor list --bogus\nnetwork create never\n")
    assert done.returncode == 2
    assert "unrecognized arguments: --bogus" in done.stderr
    assert batch(env, "network list -f value -c Name\n").stdout == ""


def test_batch_stops_at_an_unknown_command_with_status_2(env: dict[str, str]) -> None:
    done = batch(env, "flavor lst\nnetwork create never\n")
    assert done.returncode == 2
    assert "'flavor lst' is not an ostack command" in done.stderr
    assert batch(env, "network list -f value -c Name\n").stdout == ""


def test_batch_stops_at_a_line_the_shell_cannot_read(env: dict[str, str]) -> None:
    done = batch(env, "network create 'unclosed\nnetwork create never\n")
    assert done.returncode != 0
    assert batch(env, "network list -f value -c Name\n").stdout == ""


def test_batch_in_process(cli: Runner) -> None:
    result = cli(stdin="flavor show m1.small -f value -c vcpus\nflavor show nosuch\n")
    assert (result.rc, result.out) == (1, "1\n")


def _shell(world: World, monkeypatch: pytest.MonkeyPatch) -> OstackShell:
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    app = OstackApp(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())
    app.options, _ = app.parser.parse_known_args([])
    return OstackShell(app, app.command_manager, app.stdin, app.stdout, batch=False)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("server show Ho", ["Hobbiton"]),
        ("flavor sh", ["show"]),
        ("server create --nic net-id=p", ["net-id=private", "net-id=pub"]),
        ("security group rule create --ethertype I", ["IPv4", "IPv6"]),
    ],
)
def test_shell_completes_like_the_scripts(
    world: World, monkeypatch: pytest.MonkeyPatch, line: str, expected: list[str]
) -> None:
    shell = _shell(world, monkeypatch)
    begin = line.rfind(" ") + 1
    completions = shell.completedefault(line[begin:], line, begin, len(line))
    assert sorted(item.text for item in completions.items) == expected


def test_shell_offers_ostack_commands_as_first_words(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shell = _shell(world, monkeypatch)
    words = {item.text for item in shell._get_commands_aliases_and_macros_choices().items}
    assert {"server", "flavor", "security", "quit", "help"} <= words


def test_shell_prompt(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _shell(world, monkeypatch).prompt == f"({OstackApp.NAME}) "


def test_batch_after_global_options(env: dict[str, str]) -> None:
    """cmd2 must not take the program's own options (already read) for commands."""
    done = subprocess.run([str(OSTACK), "--debug", "--os-project-name", "demo"],
                          input="network create n2 -f value -c name\n", env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    assert (done.returncode, done.stdout) == (0, "n2\n")


def _sigint_as_a_terminal_delivers_it() -> None:
    # A job a non-interactive shell starts with "&" inherits SIGINT ignored, and a program
    # rightly keeps it so: the test's ostack gets the default, as from a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_ends_a_batch_with_130(env: dict[str, str]) -> None:
    proc = subprocess.Popen([str(OSTACK)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True,
                            preexec_fn=_sigint_as_a_terminal_delivers_it)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("flavor show m1.tiny -f value -c ram\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == "512\n"  # running, now waiting for the next line
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate("flavor list\n", timeout=30)
    assert (proc.returncode, out) == (130, "")


def test_ctrl_c_inside_cmd2s_critical_section_ends_the_batch_as_it_closes(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """cmd2 drops a SIGINT that comes while it restores output after a command; a batch
    must still end with 130."""
    shell = _shell(world, monkeypatch)
    shell.batch = True
    with pytest.raises(SystemExit) as ended, shell.sigint_protection:
        with shell.sigint_protection:
            shell.sigint_handler(signal.SIGINT, None)
        assert shell.interrupted  # still inside: nothing raised yet
    assert ended.value.code == 130


def test_ctrl_c_during_a_batch_command_exits_130_and_runs_no_more(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from ostack_cli.completion.shell import run_shell

    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    ran: list[str] = []

    def interrupted_line(self: OstackShell, line: object) -> bool:
        ran.append(str(getattr(line, "raw", line)).strip())
        self.sigint_handler(signal.SIGINT, None)  # Ctrl-C while the command runs
        return False

    monkeypatch.setattr(OstackShell, "default", interrupted_line)
    app = OstackApp(stdin=io.StringIO("flavor list\nflavor show m1.tiny\n"),
                    stdout=io.StringIO(), stderr=io.StringIO())
    app.options, _ = app.parser.parse_known_args([])
    assert run_shell(app) == 130
    assert ran == ["flavor list"]
