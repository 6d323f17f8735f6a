"""Nova's migration records: what ``server migrate``, ``--live-migration`` and ``server
evacuate`` leave behind, and the APIs that read them (``/os-migrations``,
``/servers/{id}/migrations``).

As Nova keeps them (nova/objects/migration.py, nova/compute/api.py, nova/conductor): a cold
migration's record is made by the conductor (``pre-migrating``), a live migration's and an
evacuation's by the API (``accepted``); each goes to ``error`` once the scheduler finds no
other host, which on the one local host is always. So no live migration is ever in progress
here: the per-server list is empty (abort and force-complete: server_migrations.py).

Policies (nova/policies/migrations.py, servers_migrations.py): listing is for project
managers or admins, every project's migrations for admins; a member has neither.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.local import changes_time
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.migration import LIVE_IN_PROGRESS, Migration, MigrationFilters
from ostack_cli.backend.models.server import Server
from ostack_cli.errors import BadRequest, NotFound

NEXT_ID_SETTING = "migration_next_id"


def _flavor_ref(flavor_id: str) -> int | str:
    # Nova shows its flavors' internal integer IDs; a numeric flavor ID stands for it.
    return int(flavor_id) if flavor_id.isdigit() else flavor_id


def stamp() -> str:
    """A time as Nova's database hands it back (whole seconds, six zeros)."""
    return f"{changes_time.now()}.000000"


class MigrationRecords:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.store = context.store

    # -- recording ----------------------------------------------------------------------

    def start(self, server: Server, migration_type: str, status: str, *,
              dest_compute: str | None = None, old_flavor_id: str | None = None,
              new_flavor_id: str | None = None, with_source_node: bool = True
              ) -> Migration:
        """A new record; the conductor's for a live migration names no source node."""
        with self.store.transaction():
            next_id = int(self.store.get_setting(NEXT_ID_SETTING) or "1")
            self.store.set_setting(NEXT_ID_SETTING, str(next_id + 1))
            now = stamp()
            migration = Migration(
                id=str(next_id), uuid=new_id(), server_id=server.id,
                migration_type=migration_type, status=status,
                source_compute=server.host or None,
                source_node=(server.hypervisor_hostname or server.host or None)
                if with_source_node else None,
                dest_compute=dest_compute,
                old_flavor_id=None if old_flavor_id is None else _flavor_ref(old_flavor_id),
                new_flavor_id=None if new_flavor_id is None else _flavor_ref(new_flavor_id),
                project_id=self.context.project_id, user_id=self.context.user_id,
                created_at=now, updated_at=now)
            self.store.insert(migration)
        return migration

    def set_status(self, migration: Migration, status: str, **changes: Any) -> Migration:
        with self.store.transaction():
            current = self.store.get(Migration, migration.id) or migration
            changed = current.replace(status=status, updated_at=stamp(), **changes)
            self.store.update(changed)
        return changed

    def latest(self, server: Server, migration_type: str) -> Migration | None:
        """The server's newest migration of this type (a resize to confirm or revert)."""
        found = [m for m in self._of(server) if m.migration_type == migration_type]
        return found[-1] if found else None

    # -- reading ------------------------------------------------------------------------

    def find_all(self, filters: MigrationFilters) -> list[Migration]:
        require_nova_admin(self.context, "os_compute_api:os-migrations:index")
        if filters.project_id is None or filters.project_id != self.context.project_id:
            require_nova_admin(self.context, "os_compute_api:os-migrations:index:all_projects")
        since = before = None
        if filters.changes_since is not None:
            since = changes_time.normalize(filters.changes_since, "changes-since")
        if filters.changes_before is not None:
            before = changes_time.normalize(filters.changes_before, "changes-before")
        changes_time.check_order(since, before)
        found = [m for m in self.store.list(Migration) if _matches(m, filters, since, before)]
        # A server's deletion soft-deletes its migrations (Nova's instance_destroy).
        live = self.store.get_many(Server, {m.server_id for m in found})
        found = [m for m in found if m.server_id in live]
        found.sort(key=lambda m: int(m.id))
        if not filters.newest_first:
            return found
        found.sort(key=lambda m: (m.created_at, int(m.id)), reverse=True)
        if filters.marker is not None:
            index = next((i for i, m in enumerate(found) if m.uuid == filters.marker), None)
            if index is None:
                raise BadRequest(f"Marker {filters.marker} could not be found.")
            found = found[index + 1:]
        if filters.limit is not None:
            found = found[:filters.limit]
        return found

    def in_progress(self, server: Server) -> list[Migration]:
        """``GET /servers/{id}/migrations``: the server's live migrations under way."""
        require_nova_admin(self.context, "os_compute_api:servers:migrations:index")
        return [m for m in self._of(server)
                if m.migration_type == "live-migration" and m.status in LIVE_IN_PROGRESS]

    def get(self, server: Server, migration_id: str) -> Migration:
        require_nova_admin(self.context, "os_compute_api:servers:migrations:show")
        found = next((m for m in self._of(server) if m.id == migration_id), None)
        if found is None:
            raise NotFound(f"In-progress live migration {migration_id} is not found for "
                           f"server {server.id}.")
        if found.migration_type != "live-migration":
            raise NotFound(f"Migration {migration_id} for server {server.id} is not "
                           "live-migration.")
        if found.status not in LIVE_IN_PROGRESS:
            raise NotFound(f"Live migration {migration_id} for server {server.id} is not in "
                           "progress.")
        return found

    def _of(self, server: Server) -> list[Migration]:
        return sorted((m for m in self.store.list(Migration) if m.server_id == server.id),
                      key=lambda m: int(m.id))


def _matches(migration: Migration, filters: MigrationFilters, since: str | None,
             before: str | None) -> bool:
    updated = (migration.updated_at or migration.created_at)[:19]
    return all((
        filters.host is None or filters.host in (migration.source_compute,
                                                 migration.dest_compute),
        filters.status is None or migration.status == filters.status,
        filters.server_id is None or migration.server_id == filters.server_id,
        filters.migration_type is None or migration.migration_type == filters.migration_type,
        filters.project_id is None or migration.project_id == filters.project_id,
        filters.user_id is None or migration.user_id == filters.user_id,
        since is None or updated >= since,
        before is None or updated <= before,
    ))
