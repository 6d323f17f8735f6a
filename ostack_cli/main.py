"""The ``ostack`` / ``openstack`` program: a cliff App with OpenStackClient's global options."""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import stevedore
from cliff.app import App
from cliff.commandmanager import CommandManager, EntryPointT, _get_commands_by_partial_name

from ostack_cli import __version__

if TYPE_CHECKING:
    from cliff.command import Command

    from ostack_cli.backend.base import Backend

COMMAND_NAMESPACE = "ostack.cli"

LOG = logging.getLogger(__name__)


class LazyCommandManager(CommandManager):
    """cliff's CommandManager, importing a command's module only when that command is needed.

    cliff's own manager imports every command module of the namespace (~70 of them) on each
    run. This one reads the same entry points (from every installed distribution, through
    stevedore's cached index, so third-party plugins still register commands) and imports
    only the command it runs. Listing the commands (help, suggestions, completion) imports
    them all and drops the ones that fail to import, as stevedore did, so the set of
    commands seen is the same as with cliff's manager.
    """

    def load_commands(self, namespace: str) -> None:
        self.group_list.append(namespace)
        # An empty manager only to read the namespace's entry points from stevedore's cache
        # without loading them; cliff's formatters and hooks read that cache anyway.
        lister: stevedore.ExtensionManager[Any]
        lister = stevedore.ExtensionManager.make_test_instance([], namespace=namespace)
        for ep in lister.list_entry_points():
            if self._is_module_ignored(ep.module, self.ignored_modules):
                continue
            name = ep.name.replace("_", " ") if self.convert_underscores else ep.name
            if name in self.commands:
                LOG.warning(
                    "found duplicate implementations of the %r command in the following "
                    "modules: %s, %s", name, self.commands[name].value, ep.value,
                )
            self.commands[name] = ep

    def add_lazy_command(self, name: str, target: str) -> None:
        """``add_command`` for a ``"module:Class"`` imported only when the command is needed."""
        self.commands[name] = importlib.metadata.EntryPoint(name, target, self.namespace or "")

    def _loadable(self, name: str) -> bool:
        try:
            self.commands[name].load()
        except AssertionError:
            raise
        except Exception as exc:
            # stevedore skipped such entry points silently; so do we (visible with --debug).
            LOG.debug("Could not load %r: %s", name, exc)
            del self.commands[name]
            return False
        return True

    def find_command(self, argv: list[str]) -> tuple[type[Command], str, list[str]]:
        # Drop the unloadable commands among those cliff's lookup could pick, then let it pick.
        for i in range(self._get_last_possible_command_index(argv), 0, -1):
            name = " ".join(argv[:i])
            name = self._legacy.get(name, name)
            if name in self.commands and self._loadable(name):
                break
            candidates = _get_commands_by_partial_name(argv[:i], list(self.commands))
            if len([c for c in candidates if self._loadable(c)]) == 1:
                break
        return super().find_command(argv)

    def __iter__(self) -> Iterator[tuple[str, EntryPointT]]:
        self._drop_unloadable()
        return super().__iter__()

    def get_command_names(self, group: str | None = None) -> list[str]:
        if group is None:
            self._drop_unloadable()
        return super().get_command_names(group)

    def _drop_unloadable(self) -> None:
        for name in list(self.commands):
            self._loadable(name)


def _env(*names: str, default: str | None = None) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return default


class OstackApp(App):
    def __init__(self, **kwargs: Any) -> None:
        command_manager = LazyCommandManager(COMMAND_NAMESPACE)
        super().__init__(
            description="OpenStack command-line client for one host and for real clouds",
            version=__version__,
            command_manager=command_manager,
            deferred_help=True,
            **kwargs,
        )
        self._backend: Backend | None = None
        # cliff's App registers its own `complete` over the entry point: ostack's wins.
        command_manager.add_lazy_command("complete", "ostack_cli.commands.complete:Complete")

    def build_option_parser(
        self,
        description: str | None,
        version: str | None,
        argparse_kwargs: dict[str, Any] | None = None,
    ) -> argparse.ArgumentParser:
        parser = super().build_option_parser(description, version, argparse_kwargs)
        # The real client's global options, with the same OS_* defaults.
        string_options = [
            ("--os-cloud", "OS_CLOUD", "Cloud name in clouds.yaml"),
            ("--os-auth-url", "OS_AUTH_URL", "Authentication URL"),
            ("--os-auth-type", "OS_AUTH_TYPE", "Authentication type"),
            ("--os-username", "OS_USERNAME", "Username"),
            ("--os-password", "OS_PASSWORD", "User's password"),
            ("--os-project-name", "OS_PROJECT_NAME", "Project name to scope to"),
            ("--os-project-id", "OS_PROJECT_ID", "Project ID to scope to"),
            ("--os-user-domain-name", "OS_USER_DOMAIN_NAME", "Domain name of the user"),
            ("--os-project-domain-name", "OS_PROJECT_DOMAIN_NAME", "Domain name of the project"),
            ("--os-region-name", "OS_REGION_NAME", "Authentication region name"),
            ("--os-interface", "OS_INTERFACE", "Select an interface type: public, internal, admin"),
            ("--os-cacert", "OS_CACERT", "CA certificate bundle file"),
            ("--os-compute-api-version", "OS_COMPUTE_API_VERSION", "Compute API version"),
            ("--os-network-api-version", "OS_NETWORK_API_VERSION", "Network API version"),
            ("--os-image-api-version", "OS_IMAGE_API_VERSION", "Image API version"),
            ("--os-identity-api-version", "OS_IDENTITY_API_VERSION", "Identity API version"),
        ]
        for flag, env, help_text in string_options:
            parser.add_argument(
                flag,
                metavar=f"<{flag[5:]}>",
                default=_env(env),
                help=f"{help_text} (Env: {env})",
            )
        # ostack's own (the real client has no such option): its default is resolved with
        # $OSTACK_AUTH_CACHE and clouds.yaml in backend/cloud/auth_cache.py.
        parser.add_argument(
            "--os-auth-cache",
            metavar="<on|off>",
            choices=("on", "off"),
            help="Reuse a cloud's token between commands until it expires (default: on; "
                 "Env: OSTACK_AUTH_CACHE; clouds.yaml: ostack_auth_cache)",
        )
        tls = parser.add_mutually_exclusive_group()
        tls.add_argument(
            "--insecure",
            action="store_true",
            # None: not given, so clouds.yaml's `insecure` (or --verify) decides.
            default=True if _env("OS_INSECURE") in ("1", "true", "True", "yes") else None,
            help="Disable server certificate verification",
        )
        tls.add_argument("--verify", action="store_false", dest="insecure", help="Verify TLS")
        return parser

    @property
    def backend(self) -> Backend:
        """The backend this invocation talks to, made on first use (``help`` never makes one)."""
        if self._backend is None:
            from ostack_cli.backend.factory import make_backend

            self._backend = make_backend(self.options)
        return self._backend

    def run_subcommand(self, argv: list[str]) -> int:
        try:
            self.command_manager.find_command(argv)
        except ValueError:
            return self._unknown_command(argv)
        result = super().run_subcommand(argv)
        return self._close_backend(result)

    def _close_backend(self, result: int) -> int:
        """Close the backend after each command; closing the local one brings the host in
        line with what the command changed, so its failure is the command's failure."""
        backend, self._backend = self._backend, None
        if backend is None:
            return result
        from ostack_cli.errors import OstackError

        try:
            backend.close()
        except OstackError as exc:
            self.LOG.error(exc)
            return result or 1
        return result

    def _unknown_command(self, argv: list[str]) -> int:
        # The real client's text, on stderr: stdout carries only data for scripts.
        self.stderr.write(
            f"{self.NAME}: '{' '.join(argv)}' is not an {self.NAME} command. "
            f"See '{self.NAME} --help'.\n"
        )
        matches = self.get_fuzzy_matches(argv[0])
        if matches:
            self.stderr.write("Did you mean one of these?\n")
            for match in matches:
                self.stderr.write(f"  {match}\n")
        return 2

    def interact(self) -> None:
        # cliff's App.run returns 1 after any session; the shell's own status is the exit status.
        from ostack_cli.completion.shell import run_shell

        raise SystemExit(run_shell(self))



def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["__complete"]:  # what the shells run on TAB: no cliff, no backend
        from ostack_cli.completion.values import main as complete_main

        return complete_main(argv[1:])
    return OstackApp().run(argv)


if __name__ == "__main__":
    sys.exit(main())
