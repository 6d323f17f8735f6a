"""What a TAB completes: reads the words typed so far against the generated command tree.

Used by the zsh and fish scripts for every TAB, by the bash script for the values of options
and positionals (bash completes command words and option names from its own copy of the tree),
and by the interactive shell. Imports nothing heavy: the tree is plain data and resource names
come from ``values``.

The tree (``ostack_cli/completion/tree.py``, made by ``generate``) holds, per command, its
options and positionals; a value is encoded as 0 (the option takes none), 1 (free text), a
tuple (fixed choices) or a str (a kind: see ``spec``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

WORDS = "words"
FILES = "files"
NONE = "none"

# (kind, prefix, global options on the line) -> candidate values; kinds are those of
# spec.ARGUMENT_KINDS. The global options (--os-cloud, --os-project-name, ...) choose the store.
ValueLister = Callable[[str, str, dict[str, str]], list[str]]


class Reply(NamedTuple):
    """``mode`` is WORDS (complete from ``candidates``), FILES (paths) or NONE."""

    mode: str
    candidates: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The helper's output: the mode, then one candidate a line."""
        return [self.mode, *self.candidates]


def words_reply(candidates: Iterable[str], prefix: str) -> Reply:
    # Newlines cannot cross the one-a-line protocol; such names are not offered.
    matches = sorted({c for c in candidates if c.startswith(prefix) and "\n" not in c})
    return Reply(WORDS, tuple(matches))


def load_tree() -> dict[str, Any]:
    from ostack_cli.completion import tree

    return {"global": tree.GLOBAL_OPTIONS, "commands": tree.COMMANDS,
            "key_values": tree.KEY_VALUES}


class Line:
    """The words before the cursor, read as cliff's parser reads them."""

    def __init__(self, tree: dict[str, Any]) -> None:
        self.tree = tree
        self.command = ""
        # The global options the line sets (--os-cloud, ...): they choose the store or cloud.
        self.globals_seen: dict[str, str] = {}

    @property
    def commands(self) -> dict[str, Any]:
        commands: dict[str, Any] = self.tree["commands"]
        return commands

    @property
    def global_options(self) -> dict[str, Any]:
        options: dict[str, Any] = self.tree["global"]
        return options


class Engine:
    def __init__(self, tree: dict[str, Any], lister: ValueLister) -> None:
        self.tree = tree
        self.lister = lister

    def complete(self, words: list[str]) -> Reply:
        """``words``: the program name, the words before the cursor, then the current word."""
        if not words:
            return Reply(NONE)
        return self._complete(Line(self.tree), words[1:-1], words[-1])

    # -- reading the line -------------------------------------------------------------

    def _complete(self, line: Line, args: list[str], cur: str) -> Reply:
        index = 0
        while index < len(args) and args[index].startswith("-"):
            pending, index = self._take_option(line, line.global_options, args, index)
            if pending is not None:
                return self._value(line, pending, cur, [])
        path: list[str] = []
        while index < len(args) and not args[index].startswith("-"):
            if not self._extends(line, [*path, args[index]]):
                break
            path.append(args[index])
            index += 1
        name = " ".join(path)
        if name not in line.commands:
            if index < len(args):
                return Reply(NONE)  # an unknown command, or options before its last word
            if not path and cur.startswith("-"):
                return self._option_names(line.global_options, set(), cur)
            return words_reply(self._next_words(line, path), cur)
        line.command = name
        return self._complete_arguments(line, line.commands[name], args[index:], cur)

    def _complete_arguments(
        self, line: Line, command: dict[str, Any], args: list[str], cur: str
    ) -> Reply:
        options: dict[str, Any] = command["options"]
        positional_words: list[str] = []
        only_positionals = False
        index = 0
        while index < len(args):
            word = args[index]
            if not only_positionals and word == "--":
                only_positionals = True
                index += 1
            elif not only_positionals and word.startswith("-") and word != "-":
                known = options if _option_name(word, options) in options else line.global_options
                pending, index = self._take_option(line, known, args, index)
                if pending is not None:
                    return self._value(line, pending, cur, positional_words)
            else:
                positional_words.append(word)
                index += 1
        if not only_positionals and cur.startswith("-") and cur != "-":
            name, eq, value = cur.partition("=")
            if eq and name.startswith("--"):
                spec = options.get(name, line.global_options.get(name, 0))
                return _prefixed(self._value(line, spec, value, positional_words), name + eq)
            return self._option_names(options, set(command.get("hidden", ())), cur)
        spec = _positional(command["positionals"], len(positional_words))
        if spec is None:
            return Reply(NONE)
        return self._value(line, spec, cur, positional_words)

    def _take_option(
        self, line: Line, options: dict[str, Any], args: list[str], index: int
    ) -> tuple[Any, int]:
        """Step over one option (and its value); returns the spec if the value is the cursor's."""
        word = args[index]
        name, eq, attached = word.partition("=")
        if not eq and not word.startswith("--") and len(word) > 2 and options.get(word[:2]):
            name, eq, attached = word[:2], "=", word[2:]  # -fjson
        spec = options.get(name, 0)
        is_global = options is line.global_options
        if spec == 0 or eq:
            if eq and is_global:
                line.globals_seen[name] = attached
            return None, index + 1
        if index + 1 >= len(args):
            return spec, index + 1
        if is_global:
            line.globals_seen[name] = args[index + 1]
        return None, index + 2

    def _extends(self, line: Line, path: list[str]) -> bool:
        name = " ".join(path)
        return name in line.commands or any(c.startswith(name + " ") for c in line.commands)

    def _next_words(self, line: Line, path: list[str]) -> set[str]:
        depth = len(path)
        return {
            name.split()[depth]
            for name in line.commands
            if name.split()[:depth] == path and len(name.split()) > depth
        }

    def _option_names(self, options: dict[str, Any], hidden: set[str], cur: str) -> Reply:
        return words_reply((o for o in options if o not in hidden), cur)

    # -- values -----------------------------------------------------------------------

    def _value(self, line: Line, spec: Any, cur: str, positional_words: list[str]) -> Reply:
        if isinstance(spec, tuple | list):
            return words_reply(spec, cur)
        if not isinstance(spec, str):
            return Reply(NONE)
        if spec == "file":
            return Reply(FILES)
        if spec == "command":
            path = positional_words
            if not self._extends(line, path) and path:
                return Reply(NONE)
            return words_reply(self._next_words(line, path), cur)
        if spec.startswith("kv:"):
            return self._key_values(line, spec[3:], cur)
        return words_reply(self.lister(spec, cur, line.globals_seen), cur)

    def _key_values(self, line: Line, name: str, cur: str) -> Reply:
        keys, alone = self.tree.get("key_values", {}).get(name, ({}, ()))
        head, comma, part = cur.rpartition(",")
        head += comma
        key, eq, value = part.partition("=")
        if not eq:
            candidates = [f"{head}{k}=" for k in keys]
            if not head:
                candidates += list(alone)
            return words_reply(candidates, cur)
        kind = keys.get(key)
        if kind is None:
            return Reply(NONE)
        values = self.lister(kind, value, line.globals_seen)
        return _prefixed(words_reply(values, value), f"{head}{key}=")


def _option_name(word: str, options: dict[str, Any]) -> str:
    name = word.partition("=")[0]
    if name not in options and not word.startswith("--") and len(word) > 2:
        return word[:2]
    return name


def _positional(positionals: list[Any], index: int) -> Any:
    """The spec of the ``index``-th positional word, following argparse's nargs."""
    for nargs, spec in positionals:
        if nargs in ("+", "*", "..."):
            return spec
        count = nargs if isinstance(nargs, int) else 1
        if index < count:
            return spec
        index -= count
    return None


def _prefixed(reply: Reply, prefix: str) -> Reply:
    if reply.mode != WORDS:
        return reply
    return Reply(WORDS, tuple(prefix + c for c in reply.candidates))
