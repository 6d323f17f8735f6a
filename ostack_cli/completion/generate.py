"""Write the completion scripts and the engine's tree from the command tree (``make completions``).

``python -m ostack_cli.completion.generate`` writes completions/ostack.bash, completions/_ostack
(zsh), completions/ostack.fish and ostack_cli/completion/tree.py; ``--check`` writes nothing and
exits 1 when any of them differs from what the command tree gives now (run it after adding or
changing a command, or let tests/completion/test_generated.py tell you).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ostack_cli.completion import scripts, spec

if TYPE_CHECKING:
    from cliff.app import App

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Generated:
    tree: dict[str, Any]
    commands: str  # cliff's top-level words
    data: list[tuple[str, str]]  # cliff's per-path variables


def collect(app: App) -> Generated:
    """One pass over the commands: the engine's tree and the real client's completion data."""
    from cliff.complete import CompleteDictionary

    dictionary = CompleteDictionary()
    commands: dict[str, Any] = {}
    for command in spec.iter_commands(app):
        dictionary.add_command(command.name.split(), command.parser._get_optional_actions())
        commands[command.name] = spec.describe_command(command.name, command.parser)
    tree = {
        "global": spec.global_options(app),
        "key_values": spec.KEY_VALUE_KINDS,
        "commands": commands,
    }
    return Generated(tree, dictionary.get_commands(), dictionary.get_data())


def bash(generated: Generated, name: str, programs: tuple[str, ...]) -> str:
    return scripts.bash_script(
        name, programs, generated.commands, generated.data, generated.tree["global"]
    )


def outputs(generated: Generated, repo: Path = REPO) -> dict[Path, str]:
    return {
        repo / "completions" / "ostack.bash": bash(generated, "ostack", scripts.PROGRAMS),
        repo / "completions" / "_ostack": scripts.zsh_script(),
        repo / "completions" / "ostack.fish": scripts.fish_script(),
        repo / "ostack_cli" / "completion" / "tree.py": scripts.tree_module(generated.tree),
    }


def stale(files: dict[Path, str]) -> list[Path]:
    def current(path: Path) -> str | None:
        try:
            return path.read_text()
        except OSError:
            return None

    return [path for path, text in files.items() if current(path) != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ostack_cli.completion.generate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    files = outputs(collect(spec.make_app()))
    changed = stale(files)
    if args.check:
        for path in changed:
            print(f"out of date: {path.relative_to(REPO)}", file=sys.stderr)
        if changed:
            print("run: make completions", file=sys.stderr)
        return 1 if changed else 0
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path])
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
