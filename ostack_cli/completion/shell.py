"""``ostack`` with no command: cliff's interactive shell, with ostack's completion; batch mode.

At a terminal it is cliff's cmd2 shell (prompt ``(ostack)``), completing command words, option
names and values, and resource names as the shell scripts do. With commands piped on stdin it
runs them as a batch: it stops at the first command that fails and exits with that command's
status (0 when every command succeeded), like ``sh -e``.

cliff's own shell (cliff 4.17 with cmd2 4) completes nothing: its completer returns a list
where cmd2 now wants a ``Completions``, and cmd2 offers only its own commands as first words.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import cmd2
from cliff.interactive import InteractiveApp

from ostack_cli.completion.engine import FILES, WORDS, Engine, load_tree
from ostack_cli.completion.values import list_values

if TYPE_CHECKING:
    from cliff.app import App
    from cliff.commandmanager import CommandManager

SIGINT_STATUS = 130
# The App options that choose the store or cloud, as the engine names them.
GLOBAL_OPTIONS = {
    "--os-cloud": "os_cloud",
    "--os-auth-url": "os_auth_url",
    "--os-project-name": "os_project_name",
    "--os-project-id": "os_project_id",
}


class OstackShell(InteractiveApp):
    def __init__(
        self,
        parent_app: App,
        command_manager: CommandManager,
        stdin: Any,
        stdout: Any,
        *,
        batch: bool,
    ) -> None:
        # cmd2 would run the program's own arguments (global options such as --debug) as
        # commands, and exit on -h: the App has consumed them already.
        argv, sys.argv = sys.argv, sys.argv[:1]
        try:
            super().__init__(parent_app, command_manager, stdin, stdout, errexit=batch)
        finally:
            sys.argv = argv
        # cmd2 resets the prompt cliff set; a batch prints none.
        self.prompt = "" if batch else f"({parent_app.NAME}) "
        self.batch = batch
        self.interrupted = False  # a batch's Ctrl-C came: it ends with 130
        self.sigint_protection = _CriticalSections(self)
        self.status = 0
        self._failed = False
        self._engine: Engine | None = None

    # -- running ----------------------------------------------------------------------

    def default(self, line: Any) -> bool | None:
        argv = self._split_line(line)
        try:
            status = self._run_batch_line(argv) if self.batch else self._run_line(argv)
        except KeyboardInterrupt:
            status = SIGINT_STATUS
        self.status = status
        return self.batch and status != 0

    def _run_line(self, argv: list[str]) -> int:
        return int(self.parent_app.run_subcommand(argv))

    def _run_batch_line(self, argv: list[str]) -> int:
        # Each line runs exactly as `ostack <line>` would: usage errors exit 2 (cliff's
        # interactive mode turns them into status 1), messages name the program.
        app = self.parent_app
        app.interactive_mode = False
        try:
            return int(app.run_subcommand(argv))
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 1
        finally:
            app.interactive_mode = True

    def sigint_handler(self, signum: int, frame: Any) -> None:
        # Ctrl-C ends a batch with 130, wherever it is (cmd2 would print ^C and read on).
        # Inside one of cmd2's critical sections (restoring output after a command, say)
        # it takes effect as the section closes: cmd2 would drop it there.
        if self.batch:
            self.interrupted = True
            if not self.sigint_protection:
                raise SystemExit(SIGINT_STATUS)
            return
        super().sigint_handler(signum, frame)

    def do__eof(self, _: Any) -> bool:
        # End of input: quit; cmd2 would print a newline, which a batch's stdout must not get.
        if not self.batch:
            self.poutput()
        return True

    def onecmd_plus_hooks(self, line: str, *args: Any, **kwargs: Any) -> bool:
        self._failed = False
        stop = bool(super().onecmd_plus_hooks(line, *args, **kwargs))
        if self._failed and not self.status:
            self.status = 1  # cmd2 itself rejected the line (unclosed quote, ...)
        return stop or (self.batch and self.status != 0)

    def pexcept(self, *args: Any, **kwargs: Any) -> None:
        self._failed = True
        super().pexcept(*args, **kwargs)

    def perror(self, *args: Any, **kwargs: Any) -> None:
        self._failed = True
        super().perror(*args, **kwargs)

    # -- completing -------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine(load_tree(), self._list_values)
        return self._engine

    def _list_values(self, kind: str, prefix: str, seen: dict[str, str]) -> list[str]:
        options = getattr(self.parent_app, "options", None)
        merged = {
            flag: str(getattr(options, attr))
            for flag, attr in GLOBAL_OPTIONS.items()
            if getattr(options, attr, None)
        }
        merged.update(seen)
        return list_values(kind, prefix, merged)

    def _get_commands_aliases_and_macros_choices(self) -> cmd2.Choices:
        choices = super()._get_commands_aliases_and_macros_choices()
        words = {name.split()[0] for name in self.engine.tree["commands"]}
        known = {item.text for item in choices.items}
        extra = [cmd2.CompletionItem(word) for word in sorted(words - known)]
        return cmd2.Choices(items=[*choices.items, *extra])

    def completedefault(  # type: ignore[override]
        self, text: str, line: str, begidx: int, endidx: int
    ) -> cmd2.Completions:
        tokens, _ = self.tokens_for_completion(line, begidx, endidx)
        if not tokens:
            return cmd2.Completions()
        reply = self.engine.complete([self.parent_app.NAME, *tokens])
        if reply.mode == FILES:
            return self.path_complete(text, line, begidx, endidx)
        if reply.mode != WORDS:
            return cmd2.Completions()
        current = tokens[-1]
        # The shell may be completing only the end of the token (after '=', say).
        cut = len(current) - len(text) if current.endswith(text) else 0
        matches = [c[cut:] for c in reply.candidates]
        return cmd2.Completions(
            items=[cmd2.CompletionItem(m) for m in matches],
            allow_finalization=not any(m.endswith(("=", ",")) for m in matches),
        )


class _CriticalSections(cmd2.utils.ContextFlag):
    """cmd2's flag for the sections a SIGINT must not break; a batch interrupted inside one
    ends as the outermost one closes."""

    def __init__(self, shell: OstackShell) -> None:
        super().__init__()
        self.shell = shell

    def __exit__(self, *args: object) -> None:
        super().__exit__(*args)
        if not self and self.shell.interrupted:
            raise SystemExit(SIGINT_STATUS)


def run_shell(app: App) -> int:
    """Run the shell on the app's streams; returns the exit status."""
    stdin = app.stdin
    batch = not (hasattr(stdin, "isatty") and stdin.isatty())
    shell = OstackShell(app, app.command_manager, stdin, app.stdout, batch=batch)
    app.interpreter = shell
    try:
        shell.cmdloop()
    except KeyboardInterrupt:
        return SIGINT_STATUS
    except SystemExit:
        if shell.interrupted:
            return SIGINT_STATUS
        raise
    # cmd2 ends its loop on a SystemExit raised inside a command, keeping its code to itself.
    return SIGINT_STATUS if shell.interrupted else shell.status
