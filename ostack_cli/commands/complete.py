"""``complete``: print the shell completion script (the real client's command, and more).

``--shell bash`` (the default) prints what the real client's ``openstack complete`` prints,
a ``_<name>`` function holding ``cmds='...'`` and ``cmds_<word>_<word>='...'`` for command
words and option names, registered with ``complete -F``; this one also completes option
values and resource names and IDs. ``--shell none`` prints the data alone, as the real client
does; ``zsh`` and ``fish`` print those shells' scripts.
"""

from __future__ import annotations

import argparse
import logging

from cliff import command

SHELLS = ("bash", "fish", "none", "zsh")


class Complete(command.Command):
    """print bash completion command"""

    log = logging.getLogger(__name__ + ".Complete")

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--name",
            default=None,
            metavar="<command_name>",
            help="Command name to support with command completion",
        )
        parser.add_argument(
            "--shell",
            default="bash",
            metavar="<shell>",
            choices=SHELLS,
            help="Shell being used. Use none for data only (default: bash)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        from ostack_cli.completion import generate, scripts

        name = parsed_args.name or self.app.NAME
        # Without --name, both names this program is installed under complete.
        programs = (name,) if parsed_args.name else _programs(name)
        if parsed_args.shell == "zsh":
            self.app.stdout.write(scripts.zsh_script(programs))
            return 0
        if parsed_args.shell == "fish":
            self.app.stdout.write(scripts.fish_script(programs))
            return 0
        generated = generate.collect(self.app)
        if parsed_args.shell == "none":
            lines = scripts.data_lines(generated.commands, generated.data)
            self.app.stdout.write("".join(line + "\n" for line in lines))
            return 0
        self.app.stdout.write(generate.bash(generated, name, programs))
        return 0


def _programs(name: str) -> tuple[str, ...]:
    from ostack_cli.completion.scripts import PROGRAMS

    return (name, *(p for p in PROGRAMS if p != name))
