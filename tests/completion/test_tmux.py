"""A person at a terminal: interactive bash (and the ostack shell) in tmux, keys typed, TAB.

bash loads the script the way an installed one is loaded: bash-completion finds it on first
use of ``ostack`` or ``openstack`` in its completions directory (here the user's,
``$XDG_DATA_HOME/bash-completion/completions``; ``make setup`` installs into the system's).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.completion.conftest import OSTACK, World
from tests.completion.shells import BASH_COMPLETION, COMPLETIONS

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    def __init__(self, env: dict[str, str], cwd: Path, command: list[str]) -> None:
        self.socket = f"ostack-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.tmux("new-session", "-d", "-x", "200", "-y", "40", "-c", str(cwd), *command)

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              env=self.env, capture_output=True, text=True, timeout=20,
                              check=True)
        return done.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", key)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-l", text)

    def last_line(self) -> str:
        lines = [line for line in self.tmux("capture-pane", "-p").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def wait_for(self, expected: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        line = self.last_line()
        while line.rstrip() != expected and time.monotonic() < deadline:
            time.sleep(0.1)
            line = self.last_line()
        return line.rstrip()

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], env=self.env,
                       capture_output=True, check=False)


@pytest.fixture
def terminal(world: World, tmp_path: Path) -> Iterator[Terminal]:
    data = tmp_path / "data"
    installed = data / "bash-completion" / "completions"
    installed.mkdir(parents=True)
    for program in ("ostack", "openstack"):
        shutil.copy(COMPLETIONS / "ostack.bash", installed / program)
    env = dict(world.env, XDG_DATA_HOME=str(data), INPUTRC="/dev/null", PS1="$ ")
    term = Terminal(env, world.cwd, ["bash", "--norc", "--noprofile", "-i"])
    try:
        term.type(f"source {BASH_COMPLETION}; PS1='$ '; clear")
        term.keys("Enter")
        assert term.wait_for("$") == "$"
        yield term
    finally:
        term.close()


def complete_line(term: Terminal, typed: str, expected: str) -> str:
    term.keys("C-u")
    term.type(typed)
    term.keys("Tab")
    return term.wait_for(f"$ {expected}")


def test_server_show_ho_tab_completes_the_name(terminal: Terminal) -> None:
    assert complete_line(terminal, "ostack server show Ho", "ostack server show Hobbiton") == (
        "$ ostack server show Hobbiton"
    )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("openstack flavor show m1.ti", "openstack flavor show m1.tiny"),
        ("ostack network show my", "ostack network show my\\ net"),
        ("ostack server show 'it", "ostack server show 'it'\\''s mine'"),
        ("ostack security group rule create --proto", "ostack security group rule create "
         "--protocol"),
        ("ostack server create --flavor m1.t", "ostack server create --flavor m1.tiny"),
        ("ostack floating ip create p", "ostack floating ip create pub"),
    ],
)
def test_tab_in_a_terminal(terminal: Terminal, typed: str, expected: str) -> None:
    assert complete_line(terminal, typed, expected) == f"$ {expected}"


def test_key_value_pairs_complete_without_a_space(terminal: Terminal) -> None:
    terminal.keys("C-u")
    terminal.type("ostack server create --nic ne")
    terminal.keys("Tab")
    assert terminal.wait_for("$ ostack server create --nic net-id=") == (
        "$ ostack server create --nic net-id="
    )
    terminal.type("pr")
    terminal.keys("Tab")
    terminal.type("X")  # lands right after the name if TAB added a space
    assert terminal.wait_for("$ ostack server create --nic net-id=private X") == (
        "$ ostack server create --nic net-id=private X"
    )


def test_interactive_ostack_shell_completes_resources(world: World) -> None:
    env = dict(world.env, COLUMNS="200")
    term = Terminal(env, world.cwd, [str(OSTACK)])
    try:
        assert term.wait_for("(ostack)") == "(ostack)"
        term.type("server show Ho")
        term.keys("Tab")
        assert term.wait_for("(ostack) server show Hobbiton") == "(ostack) server show Hobbiton"
        term.keys("C-u")
        term.type("fla")
        term.keys("Tab")
        assert term.wait_for("(ostack) flavor") == "(ostack) flavor"
    finally:
        term.close()


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_in_a_terminal(world: World) -> None:
    env = dict(world.env, PS1="$ ")
    term = Terminal(env, world.cwd, ["zsh", "-f"])
    try:
        term.type(f"fpath=({COMPLETIONS} $fpath); autoload -Uz compinit; compinit -u; "
                  "PS1='$ '; clear")
        term.keys("Enter")
        assert term.wait_for("$") == "$"
        assert complete_line(term, "ostack server show Ho", "ostack server show Hobbiton") == (
            "$ ostack server show Hobbiton")
        assert complete_line(term, "openstack network show my",
                             "openstack network show my\\ net") == (
            "$ openstack network show my\\ net")
    finally:
        term.close()


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_in_a_terminal(world: World, tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "fish" / "completions").mkdir(parents=True)
    for program in ("ostack", "openstack"):
        (config / "fish" / "completions" / f"{program}.fish").symlink_to(
            COMPLETIONS / "ostack.fish")
    (config / "fish" / "config.fish").write_text(
        "set -g fish_greeting ''\nfunction fish_prompt; echo -n '$ '; end\n"
        "function fish_right_prompt; end\nset -g fish_autosuggestion_enabled 0\n")
    env = dict(world.env, XDG_CONFIG_HOME=str(config))
    term = Terminal(env, world.cwd, ["fish"])
    try:
        assert term.wait_for("$") == "$"
        assert complete_line(term, "ostack server show Ho", "ostack server show Hobbiton") == (
            "$ ostack server show Hobbiton")
        assert complete_line(term, "openstack network show my",
                             "openstack network show my\\ net") == (
            "$ openstack network show my\\ net")
    finally:
        term.close()
