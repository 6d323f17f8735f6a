"""Servers, consoles and hypervisors through Nova (openstacksdk's compute proxy)."""

from __future__ import annotations

from collections.abc import Callable

from ostack_cli.backend.api.server import ServerFilters
from ostack_cli.backend.cloud.base import CloudBase, unavailable
from ostack_cli.backend.models.server import Hypervisor, Server, ServerSpec


class CloudServers(CloudBase):
    def servers(self, filters: ServerFilters | None = None) -> list[Server]:
        raise unavailable("Listing servers")

    def find_server(self, name_or_id: str, *, all_projects: bool = False) -> Server:
        raise unavailable("Finding servers")

    def get_server(self, server_id: str) -> Server:
        raise unavailable("Reading servers")

    def create_servers(self, spec: ServerSpec) -> list[Server]:
        raise unavailable("Creating servers")

    def delete_server(self, server: Server, *, force: bool = False) -> None:
        raise unavailable("Deleting servers")

    def start_server(self, server: Server) -> None:
        raise unavailable("Starting servers")

    def stop_server(self, server: Server) -> None:
        raise unavailable("Stopping servers")

    def reboot_server(self, server: Server, *, hard: bool = False) -> None:
        raise unavailable("Rebooting servers")

    def pause_server(self, server: Server) -> None:
        raise unavailable("Pausing servers")

    def unpause_server(self, server: Server) -> None:
        raise unavailable("Unpausing servers")

    def suspend_server(self, server: Server) -> None:
        raise unavailable("Suspending servers")

    def resume_server(self, server: Server) -> None:
        raise unavailable("Resuming servers")

    def update_server(
        self,
        server: Server,
        *,
        name: str | None = None,
        description: str | None = None,
        set_metadata: dict[str, str] | None = None,
        unset_metadata: list[str] | None = None,
    ) -> Server:
        raise unavailable("Changing servers")

    def add_security_group_to_server(self, server: Server, group_name_or_id: str) -> None:
        raise unavailable("Adding security groups to servers")

    def remove_security_group_from_server(self, server: Server, group_name_or_id: str) -> None:
        raise unavailable("Removing security groups from servers")

    def console_log(self, server: Server, lines: int | None = None) -> str:
        raise unavailable("Console logs")

    def wait_for_server(
        self,
        server: Server,
        *,
        statuses: tuple[str, ...] = ("ACTIVE",),
        failures: tuple[str, ...] = ("ERROR",),
        timeout: float | None = None,
        callback: Callable[[int], None] | None = None,
    ) -> Server:
        raise unavailable("Waiting for servers")

    def wait_for_server_delete(self, server: Server, *, timeout: float = 120.0) -> None:
        raise unavailable("Waiting for servers")

    def hypervisors(self) -> list[Hypervisor]:
        raise unavailable("Listing hypervisors")
