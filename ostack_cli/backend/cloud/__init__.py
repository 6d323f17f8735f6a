"""The cloud backend: the same interface as the local one, served by a real OpenStack.

Imported only by ``backend.factory`` once a cloud is selected, so local invocations never load
openstacksdk or keystoneauth. Its parts (``parts.CloudParts``) load on first use, so a command
imports only the parts and models it calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openstack.connection import Connection

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.connection import LibraryLogging, connect
from ostack_cli.config import Selection
from ostack_cli.errors import BackendUnavailable

if TYPE_CHECKING:
    # Type checkers see every part; at run time each is imported on first use (issue 13).
    from ostack_cli.backend.cloud.parts import CloudParts as _Parts
else:
    _Parts = CloudBase


class CloudBackend(_Parts):
    def __init__(
        self,
        conn: Connection,
        logs: LibraryLogging | None = None,
        *,
        cache_name: str | None = None,
    ) -> None:
        self.conn = conn
        self._logs = logs
        self.cache_name = cache_name

    @classmethod
    def open(cls, selection: Selection, options: Any) -> CloudBackend:
        logs = LibraryLogging(debug=bool(getattr(options, "debug", False)))
        logs.start()
        try:
            conn = connect(selection, options)
        except BaseException:
            logs.stop()
            raise
        # The name completion looks the cache up by (completion.values.open_source).
        return cls(conn, logs, cache_name=selection.cloud_name or "envvars")

    def sync_host(self) -> list[str]:
        raise BackendUnavailable(
            "'host sync' drives this host's bridges and guests: it is for the local backend "
            "only; a cloud keeps its own."
        )

    def sweep_orphans(self, *, dry_run: bool = False) -> tuple[list[str], list[str], list[str]]:
        raise BackendUnavailable(
            "'host sync --orphans' removes what local stores left on this host: it is for "
            "the local backend only."
        )

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            if self._logs is not None:
                self._logs.stop()
                self._logs = None

    if not TYPE_CHECKING:  # type checkers know every name already (CloudParts)

        def __getattr__(self, name: str) -> Any:
            """A name no part loaded so far has: load the part that serves it (part_index);
            AttributeError as usual when none does."""
            from ostack_cli.backend.cloud.part_loading import resolve

            return resolve(self, name)


__all__ = ["CloudBackend"]
