"""Nova's migrations: ``/os-migrations`` (nova/api/openstack/compute/migrations.py),
``/servers/{id}/migrations`` (server_migrations.py), and the server actions that start one,
``migrate``, ``os-migrateLive`` (migrate_server.py) and ``evacuate`` (evacuate.py).

What each microversion adds to a migration in the list: ``migration_type`` and, for a live
migration in progress, ``links`` (2.23); ``uuid``, paging and ``changes-since`` (2.59);
``changes-before`` (2.66); ``user_id``/``project_id`` and their filters (2.80). The local
host is the only one, so every migration fails at the scheduler (backend/local/
server_migrations.py) and none is ever in progress: the per-server list is empty and abort
or force-complete meet a server in no migrating state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.api.nova_actions import action
from ostack_cli.backend.local.passwords import generate_password
from ostack_cli.backend.models.migration import LIVE, LIVE_IN_PROGRESS, Migration, MigrationFilters
from ostack_cli.backend.models.server import Server


def _listed_view(req: ApiRequest, migration: Migration) -> dict[str, Any]:
    body: dict[str, Any] = {
        "created_at": migration.created_at, "dest_compute": migration.dest_compute,
        "dest_host": migration.dest_host, "dest_node": migration.dest_node,
        "id": int(migration.id), "instance_uuid": migration.server_id,
        "new_instance_type_id": migration.new_flavor_id,
        "old_instance_type_id": migration.old_flavor_id,
        "source_compute": migration.source_compute, "source_node": migration.source_node,
        "status": migration.status, "updated_at": migration.updated_at}
    if nova_common.at_least(req, "2.23"):
        body["migration_type"] = migration.migration_type
        if migration.migration_type == LIVE and migration.status in LIVE_IN_PROGRESS:
            body["links"] = nova_common.links(
                req, f"servers/{migration.server_id}/migrations", migration.id)
    if nova_common.at_least(req, "2.59"):
        body["uuid"] = migration.uuid
    if nova_common.at_least(req, "2.80"):
        body["user_id"] = migration.user_id
        body["project_id"] = migration.project_id
    return body


def _query(req: ApiRequest) -> MigrationFilters:
    """The filters each microversion reads; from 2.59 Nova's schema refuses the others."""
    known = {"hidden", "host", "instance_uuid", "source_compute", "status", "migration_type"}
    paged = nova_common.at_least(req, "2.59")
    if paged:
        known |= {"limit", "marker", "changes-since"}
    if nova_common.at_least(req, "2.66"):
        known.add("changes-before")
    if nova_common.at_least(req, "2.80"):
        known |= {"user_id", "project_id"}
    if paged:
        unknown = sorted(name for name in req.params if name not in known)
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            verb = "was" if len(unknown) == 1 else "were"
            raise ApiFault(400, f"Additional properties are not allowed ({names} {verb} "
                                "unexpected)")

    def value(name: str) -> str | None:
        return req.param(name) if name in known else None

    for name in ("changes-since", "changes-before"):
        stamp = value(name)
        if stamp is not None and not _is_date_time(stamp):
            raise ApiFault(400, f"Invalid input for query parameters {name}. Value: {stamp}. "
                                f"{stamp!r} is not a 'date-time'")

    return MigrationFilters(
        host=value("host"), status=value("status"), server_id=value("instance_uuid"),
        migration_type=value("migration_type"), project_id=value("project_id"),
        user_id=value("user_id"), changes_since=value("changes-since"),
        changes_before=value("changes-before"),
        limit=nova_common.limit_param(req) if paged else None, marker=value("marker"),
        newest_first=paged)


def _is_date_time(text: str) -> bool:
    """Nova's ``date-time`` format: whatever ``timeutils.parse_isotime`` reads."""
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@NOVA.route("GET", "/v2.1/os-migrations")
def list_migrations(req: ApiRequest) -> Reply:
    filters = _query(req)
    migrations = req.backend.migrations(filters)
    source = req.param("source_compute")
    if source is not None:
        migrations = [m for m in migrations if m.source_compute == source]
    views = [_listed_view(req, m) for m in migrations]
    body: dict[str, Any] = {"migrations": views}
    if nova_common.at_least(req, "2.59"):
        links = nova_common.collection_links(req, "os-migrations", views, filters.limit,
                                             key="uuid")
        # The link is to /os-migrations; the body's key is ``migrations_links``.
        if links:
            body["migrations_links"] = links["os-migrations_links"]
    return Reply(200, body)


# -- one server's migrations --------------------------------------------------------------


def _server_view(req: ApiRequest, migration: Migration) -> dict[str, Any]:
    body: dict[str, Any] = {
        "created_at": migration.created_at, "dest_compute": migration.dest_compute,
        "dest_host": migration.dest_host, "dest_node": migration.dest_node,
        "disk_processed_bytes": migration.disk_processed_bytes,
        "disk_remaining_bytes": migration.disk_remaining_bytes,
        "disk_total_bytes": migration.disk_total_bytes, "id": int(migration.id),
        "memory_processed_bytes": migration.memory_processed_bytes,
        "memory_remaining_bytes": migration.memory_remaining_bytes,
        "memory_total_bytes": migration.memory_total_bytes,
        "server_uuid": migration.server_id, "source_compute": migration.source_compute,
        "source_node": migration.source_node, "status": migration.status,
        "updated_at": migration.updated_at}
    if nova_common.at_least(req, "2.59"):
        body["uuid"] = migration.uuid
    if nova_common.at_least(req, "2.80"):
        body["user_id"] = migration.user_id
        body["project_id"] = migration.project_id
    return body


@NOVA.route("GET", "/v2.1/servers/{server_id}/migrations")
def list_server_migrations(req: ApiRequest, server_id: str) -> Reply:
    nova_common.require_version(req, "2.23")
    server = nova_common.server_by_id(req, server_id)
    return Reply(200, {"migrations": [_server_view(req, m)
                                      for m in req.backend.server_migrations(server)]})


@NOVA.route("GET", "/v2.1/servers/{server_id}/migrations/{migration_id}")
def show_server_migration(req: ApiRequest, server_id: str, migration_id: str) -> Reply:
    nova_common.require_version(req, "2.23")
    server = nova_common.server_by_id(req, server_id)
    migration = req.backend.get_server_migration(server, migration_id)
    return Reply(200, {"migration": _server_view(req, migration)})


@NOVA.route("DELETE", "/v2.1/servers/{server_id}/migrations/{migration_id}")
def abort_server_migration(req: ApiRequest, server_id: str, migration_id: str) -> Reply:
    nova_common.require_version(req, "2.24")
    server = nova_common.server_by_id(req, server_id)
    req.backend.abort_server_migration(server, migration_id)
    return Reply(202)


@NOVA.route("POST", "/v2.1/servers/{server_id}/migrations/{migration_id}/action")
def server_migration_action(req: ApiRequest, server_id: str, migration_id: str) -> Reply:
    nova_common.require_version(req, "2.22")
    body = req.json()
    if not isinstance(body, dict) or not body:
        raise ApiFault(400, "Malformed request body")
    name = next(iter(body))
    if name != "force_complete":
        raise ApiFault(400, f"There is no such action: {name}")
    req.json({"type": "object", "properties": {"force_complete": {"type": "null"}},
              "required": ["force_complete"], "additionalProperties": False})
    server = nova_common.server_by_id(req, server_id)
    req.backend.force_complete_server_migration(server, migration_id)
    return Reply(202)


# -- the server actions that start one -------------------------------------------------------


def _host_field(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    host = body.get("host")
    if host is not None and not isinstance(host, str):
        raise ApiFault(400, f"Invalid input for field/attribute host. Value: {host}. "
                            f"{host!r} is not of type 'string', 'null'")
    return host


@action("migrate")
def migrate(req: ApiRequest, server: Server, body: Any) -> Reply:
    # ``{"migrate": null}``, or ``{"migrate": {"host": ...}}`` from 2.56.
    host = _host_field(body) if nova_common.at_least(req, "2.56") else None
    req.backend.migrate_server(server, host=host)
    return Reply(202)


@action("os-migrateLive")
def live_migrate(req: ApiRequest, server: Server, body: Any) -> Reply:
    if not isinstance(body, dict) or "host" not in body:
        raise ApiFault(400, f"Invalid input for field/attribute os-migrateLive. Value: "
                            f"{body}. 'host' is a required property")
    block = body.get("block_migration", "auto" if nova_common.at_least(req, "2.25")
                     else False)
    req.backend.live_migrate_server(server, host=_host_field(body),
                                    block_migration=block)
    return Reply(202)


@action("evacuate")
def evacuate(req: ApiRequest, server: Server, body: Any) -> Reply:
    if not isinstance(body, dict):
        raise ApiFault(400, f"Invalid input for field/attribute evacuate. Value: {body}. "
                            f"{body!r} is not of type 'object'")
    host = _host_field(body)
    if nova_common.at_least(req, "2.29") and nova_common.bool_param(
            str(body.get("force", False))) and not host:
        raise ApiFault(400, "Can't force to a non-provided destination")
    password = body.get("adminPass")
    if not nova_common.at_least(req, "2.14") and not password:
        # Before 2.14 Nova makes up the password it answers (enable_instance_password).
        password = generate_password()
    req.backend.evacuate_server(server, host=host, password=password)
    if nova_common.at_least(req, "2.14"):
        return Reply(200)
    return Reply(200, {"adminPass": password})
