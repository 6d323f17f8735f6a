"""Nova's migration records (``server migration list``, ``/os-migrations``): one per cold or
live migration, resize or evacuation, kept after it ended (its ``status`` says how)."""

from __future__ import annotations

import dataclasses

from ostack_cli.backend.models import Resource

# nova/objects/fields.py MigrationType; ``migration`` is a cold migration.
COLD, RESIZE, LIVE, EVACUATION = "migration", "resize", "live-migration", "evacuation"
# nova/api/openstack/compute/server_migrations.py: what ``server migration show`` may show.
LIVE_IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Migration(Resource):
    """``id`` is Nova's integer ID (as text in the store), ``uuid`` its UUID (2.59+)."""

    KIND = "migration"
    RESOURCE_NAME = "Migration"

    uuid: str
    server_id: str
    migration_type: str
    status: str
    source_compute: str | None = None
    source_node: str | None = None
    dest_compute: str | None = None
    dest_node: str | None = None
    dest_host: str | None = None
    # Nova's internal flavor IDs (integers where the flavor's ID is one).
    old_flavor_id: int | str | None = None
    new_flavor_id: int | str | None = None
    project_id: str | None = None
    user_id: str | None = None
    # Live migrations' progress (0 until one runs; the local host runs none).
    memory_total_bytes: int | None = None
    memory_processed_bytes: int | None = None
    memory_remaining_bytes: int | None = None
    disk_total_bytes: int | None = None
    disk_processed_bytes: int | None = None
    disk_remaining_bytes: int | None = None
    created_at: str = ""
    updated_at: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class MigrationFilters:
    """``GET /os-migrations``' filters: type, status, host (source or destination), server,
    times (2.59, 2.66), project and user (2.80), and paging (2.59: newest first)."""

    host: str | None = None
    status: str | None = None
    server_id: str | None = None
    migration_type: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    changes_since: str | None = None
    changes_before: str | None = None
    limit: int | None = None
    marker: str | None = None
    # Newest first, as Nova sorts them from 2.59 (its database's order before).
    newest_first: bool = True
