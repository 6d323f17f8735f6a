"""Servers, consoles and hypervisors (Nova)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Protocol

from ostack_cli.backend.models.server import Hypervisor, Server, ServerSpec


@dataclasses.dataclass(frozen=True, kw_only=True)
class ServerFilters:
    """``server list`` filters, as Nova's API takes them."""

    name: str | None = None  # a regular expression, as Nova matches it
    status: str | None = None
    flavor_id: str | None = None
    image_id: str | None = None
    ip: str | None = None  # a regular expression on fixed addresses
    all_projects: bool = False
    deleted: bool = False
    changes_since: str | None = None
    # The rest of the real client's filters (nova's GET /servers query; regular expressions
    # where Nova matches them so, see backend/local/server_filters.py).
    changes_before: str | None = None
    reservation_id: str | None = None
    ip6: str | None = None
    instance_name: str | None = None
    host: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    availability_zone: str | None = None
    key_name: str | None = None
    config_drive: bool | None = None
    progress: int | None = None
    vm_state: str | None = None
    task_state: str | None = None
    power_state: int | None = None
    locked: bool | None = None
    tags: list[str] = dataclasses.field(default_factory=list)  # every one of them
    not_tags: list[str] = dataclasses.field(default_factory=list)  # not all of them
    # Nova's paging: the servers after ``marker`` (an ID), at most ``limit``.
    marker: str | None = None
    limit: int | None = None


class ServerAPI(Protocol):
    def servers(self, filters: ServerFilters | None = None) -> list[Server]:
        """Newest first, as Nova lists them."""
        ...

    def iter_servers(self, filters: ServerFilters | None = None) -> Iterator[Server]:
        """The servers of :meth:`servers`, yielded as they are read: from a cloud a page at a
        time, so that a listing can print its first rows before the last page is fetched."""
        ...

    def find_server(self, name_or_id: str, *, all_projects: bool = False) -> Server: ...

    def get_server(self, server_id: str) -> Server: ...

    def create_servers(self, spec: ServerSpec) -> list[Server]:
        """Boot ``spec.min_count`` to ``spec.max_count`` servers; returns them as created."""
        ...

    def delete_server(self, server: Server, *, force: bool = False) -> None: ...

    def start_server(self, server: Server) -> None: ...

    def stop_server(self, server: Server) -> None: ...

    def reboot_server(self, server: Server, *, hard: bool = False) -> None: ...

    def pause_server(self, server: Server) -> None: ...

    def unpause_server(self, server: Server) -> None: ...

    def suspend_server(self, server: Server) -> None: ...

    def resume_server(self, server: Server) -> None: ...

    def update_server(
        self,
        server: Server,
        *,
        name: str | None = None,
        description: str | None = None,
        set_metadata: dict[str, str] | None = None,
        unset_metadata: list[str] | None = None,
    ) -> Server: ...

    def add_security_group_to_server(self, server: Server, group_name_or_id: str) -> None: ...

    def remove_security_group_from_server(self, server: Server, group_name_or_id: str) -> None: ...

    def console_log(self, server: Server, lines: int | None = None) -> str: ...

    def console_url(self, server: Server, console_type: str) -> dict[str, str]:
        """A remote console's ``protocol``, ``type`` and ``url`` (Nova's remote-consoles)."""
        ...

    def wait_for_server(
        self,
        server: Server,
        *,
        statuses: tuple[str, ...] = ("ACTIVE",),
        failures: tuple[str, ...] = ("ERROR",),
        timeout: float | None = None,
        callback: Callable[[int], None] | None = None,
    ) -> Server:
        """Poll until the server reaches one of ``statuses`` (or a failure); returns it."""
        ...

    def wait_for_server_delete(self, server: Server, *, timeout: float = 120.0) -> None: ...

    def hypervisors(self, *, detailed: bool = True, matching: str | None = None
                    ) -> list[Hypervisor]:
        """``detailed``: the list with details (``hypervisor list``), else the plain list
        (``hypervisor show`` looks its hypervisor up in it); Nova's policy tells them apart.
        ``matching``: Nova's ``hypervisor_hostname_pattern`` (none matching is a 404)."""
        ...
