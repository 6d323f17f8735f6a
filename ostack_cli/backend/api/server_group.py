"""Server groups (Nova's os-server-groups)."""

from __future__ import annotations

from typing import Any, Protocol

from ostack_cli.backend.models.server_group import ServerGroup


class ServerGroupAPI(Protocol):
    def server_groups(
        self,
        *,
        all_projects: bool = False,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[ServerGroup]:
        """The acting project's groups (every project's with ``all_projects``, for admins),
        oldest first, as Nova lists them."""
        ...

    def find_server_group(self, name_or_id: str) -> ServerGroup: ...

    def create_server_group(
        self, name: str, policy: str, rules: dict[str, Any] | None = None
    ) -> ServerGroup: ...

    def delete_server_group(self, group: ServerGroup) -> None: ...
