"""Real bash, zsh and fish running the generated completion scripts, one case at a time.

bash and zsh stay up for the whole session (a case is one function call); each reads the
command line as that shell would split it at a TAB: bash into COMP_WORDS (word-break
characters such as '=' become words of their own), zsh into ``words`` and PREFIX.
"""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMPLETIONS = REPO / "completions"
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")
END = b"\x01END\n"
TIMEOUT = 30.0


def readline_words(line: str, breaks: str = "=:") -> list[str]:
    """COMP_WORDS for ``line`` as bash makes them (quotes kept, breaks as their own words)."""
    words: list[str] = []
    current = ""
    quote = ""
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            current += char
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"' and index + 1 < len(line):
                current += line[index + 1]
                index += 1
        elif char == "\\" and index + 1 < len(line):
            current += line[index:index + 2]
            index += 1
        elif char in "'\"":
            quote = char
            current += char
        elif char.isspace():
            if current:
                words.append(current)
            current = ""
        elif char in breaks:
            if current and current[-1] not in breaks:
                words.append(current)
                current = ""
            current += char
        else:
            if current and current[-1] in breaks:
                words.append(current)
                current = ""
            current += char
        index += 1
    words.append(current)  # the word at the cursor, maybe empty
    return words


def shell_words(line: str) -> list[str]:
    """The words zsh or fish see: split at blanks only, quotes kept; the last is the cursor's."""
    return readline_words(line, breaks="")


class _Session:
    PROGRAM = ""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.proc = subprocess.Popen(
            self.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            env=env, cwd=cwd,
        )
        self.send(self.setup())

    def argv(self) -> list[str]:
        raise NotImplementedError

    def setup(self) -> str:
        raise NotImplementedError

    def send(self, code: str) -> bytes:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(code.encode() + b"\nprintf '\\001END\\n'\n")
        self.proc.stdin.flush()
        out = b""
        deadline = time.monotonic() + TIMEOUT
        fd = self.proc.stdout.fileno()
        while not out.endswith(END):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"{self.PROGRAM} did not answer: {out!r} {self.errors()}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"{self.PROGRAM} exited: {out!r} {self.errors()}")
            out += chunk
        return out[: -len(END)]

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.stderr.close()


class BashSession(_Session):
    """bash with bash-completion and completions/ostack.bash loaded, as in a terminal."""

    PROGRAM = "bash"

    def argv(self) -> list[str]:
        return ["bash", "--norc", "--noprofile"]

    def setup(self) -> str:
        return f"""
source {shlex.quote(str(BASH_COMPLETION))}
source {shlex.quote(str(COMPLETIONS / "ostack.bash"))}
__t() {{
  COMP_LINE=$1; COMP_POINT=${{#1}}; shift
  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
  local spec func
  spec=$(complete -p -- "$1") || return
  func=${{spec#*-F }}; func=${{func%% *}}
  "$func" "$1" "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
  (( ${{#COMPREPLY[@]}} )) && printf '%s\\0' "${{COMPREPLY[@]}}"
}}"""

    def complete(self, line: str) -> list[str]:
        """COMPREPLY for a TAB at the end of ``line``, in bash's order."""
        words = readline_words(line)
        out = self.send("__t " + " ".join(shlex.quote(w) for w in [line, *words]))
        return [item.decode() for item in out.split(b"\0")[:-1]]

    def run(self, code: str) -> str:
        return self.send(code).decode()


class ZshSession(_Session):
    """zsh running completions/_ostack with compadd and _files recorded instead of shown."""

    PROGRAM = "zsh"

    def argv(self) -> list[str]:
        return ["zsh", "-f"]

    def setup(self) -> str:
        return f"""
source {shlex.quote(str(COMPLETIONS / "_ostack"))}
compadd() {{
  local kind=plain
  while (( $# )) && [[ $1 != -- ]]; do
    [[ $1 == -S && $2 == '' ]] && kind=open
    shift
  done
  shift
  local c
  for c in "$@"; do print -rn -- "$kind:$c"$'\\0'; done
}}
_files() {{ print -rn -- "files:"$'\\0'; }}
__t() {{
  words=("$@"); CURRENT=$#; PREFIX=${{words[CURRENT]}}; SUFFIX=""
  # zsh keeps an opening quote out of PREFIX (it goes to compstate[quote]).
  [[ $PREFIX == [$'\\x22\\x27']* ]] && PREFIX=${{PREFIX:1}}
  _ostack
}}"""

    def complete(self, line: str) -> list[str]:
        """What _ostack adds, as ``plain:<word>``, ``open:<word>`` (no space after) or
        ``files:``."""
        words = shell_words(line)
        out = self.send("__t " + " ".join(shlex.quote(w) for w in words))
        return sorted(item.decode() for item in out.split(b"\0")[:-1])


class FishSession:
    """fish's own ``complete -C`` on completions/ostack.fish (one fish per case)."""

    PROGRAM = "fish"

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def complete(self, line: str) -> list[str]:
        """The candidates fish offers (descriptions dropped)."""
        script = (
            f"source {fish_quote(str(COMPLETIONS / 'ostack.fish'))}\n"
            f"complete -C {fish_quote(line)}\n"
        )
        done = subprocess.run(["fish", "--no-config", "-c", script], env=self.env, cwd=self.cwd,
                              capture_output=True, text=True, timeout=TIMEOUT, check=False)
        if done.returncode != 0:
            raise AssertionError(f"fish failed: {done.stderr}")
        return sorted(line.split("\t")[0] for line in done.stdout.splitlines())

    def close(self) -> None:
        pass


def fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
