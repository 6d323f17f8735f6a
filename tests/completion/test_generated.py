"""The committed scripts are what the command tree gives now, and `complete` prints them."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from cliff.complete import CompleteCommand

from ostack_cli.completion import generate, spec
from tests.completion.conftest import OSTACK

OPENSTACK = OSTACK.with_name("openstack")

REPO = Path(__file__).resolve().parents[2]


def test_generated_files_are_current() -> None:
    files = generate.outputs(generate.collect(spec.make_app()))
    stale = [str(path.relative_to(REPO)) for path in generate.stale(files)]
    assert stale == [], "out of date: run `make completions`"


def test_generate_check_exits_0_when_current() -> None:
    done = subprocess.run([str(OSTACK.with_name("python")), "-m",
                           "ostack_cli.completion.generate", "--check"],
                          capture_output=True, text=True, check=False, cwd=REPO)
    assert (done.returncode, done.stderr) == (0, "")


def test_check_names_what_is_stale(tmp_path: Path) -> None:
    generated = generate.collect(spec.make_app())
    files = generate.outputs(generated, repo=tmp_path)
    assert sorted(p.name for p in generate.stale(files)) == [
        "_ostack", "ostack.bash", "ostack.fish", "tree.py"]


def run(*args: str, program: Path = OSTACK) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(program), *args], capture_output=True, text=True, check=False)


def test_complete_prints_the_committed_bash_script() -> None:
    result = run("complete")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (REPO / "completions" / "ostack.bash").read_text()


def test_openstack_complete_registers_both_names_too() -> None:
    result = run("complete", program=OPENSTACK)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == "complete -F _openstack openstack ostack"


@pytest.mark.parametrize(("shell", "path"), [("zsh", "_ostack"), ("fish", "ostack.fish")])
def test_complete_prints_zsh_and_fish(shell: str, path: str) -> None:
    result = run("complete", "--shell", shell)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (REPO / "completions" / path).read_text()


def test_complete_shell_none_is_the_real_clients_data() -> None:
    """Same variables, same values as cliff's own `complete --shell none` over this tree."""
    from ostack_cli.main import OstackApp

    app = OstackApp(stdout=io.StringIO())
    app.NAME = "ostack"
    app.options, _ = app.parser.parse_known_args([])
    theirs = CompleteCommand(app, None)
    parsed = theirs.get_parser("ostack complete").parse_args(["--shell", "none"])
    theirs.take_action(parsed)
    expected = app.stdout.getvalue()
    assert expected.startswith("  cmds='")
    result = run("complete", "--shell", "none")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == expected


def test_complete_bash_holds_the_data_and_registers_the_function() -> None:
    data = run("complete", "--shell", "none").stdout
    script = run("complete", "--name", "my-os").stdout
    assert script.splitlines()[-1] == "complete -F _my_os my-os"
    assert "_my_os()\n{" in script
    for line in data.splitlines():
        assert f"  local {line.strip()}\n" in script


def test_complete_rejects_an_unknown_shell() -> None:
    result = run("complete", "--shell", "tcsh")
    assert (result.returncode, result.stdout) == (2, "")
    assert "invalid choice: 'tcsh'" in result.stderr
