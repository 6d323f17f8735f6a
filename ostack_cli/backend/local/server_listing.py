"""``server list``: Nova's list view of the servers, reconciled with libvirt.

Apart from ``Servers`` (which boots them and needs most of the backend) so that listing
servers, which scripts run most often, loads only what reading them takes.
"""

from __future__ import annotations

from typing import Any

from ostack_cli.backend.api.server import ServerFilters
from ostack_cli.backend.local import server_filters
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import nova_forbidden
from ostack_cli.backend.local.server_records import DeletedServer, PortSnapshot, ServerRecords
from ostack_cli.backend.models.security_group import SecurityGroup
from ostack_cli.backend.models.server import Server
from ostack_cli.state.store import Store

# VolumeAttachment.KIND (a test holds them equal): whether the store holds any attachment is
# asked without loading Cinder's models, which most listings do not need.
VOLUME_ATTACHMENT_KIND = "volume_attachment"


class ServerListing:
    def __init__(self, context: ServiceContext, *, records: ServerRecords) -> None:
        self.context = context
        self.store = context.store
        self.records = records

    def find_all(self, filters: ServerFilters | None = None) -> list[Server]:
        server_filters.check_patterns(filters or ServerFilters())
        filters = server_filters.for_user(filters or ServerFilters(),
                                          is_admin=self.context.is_admin)
        if filters.all_projects and not self.context.is_admin:
            raise nova_forbidden("os_compute_api:servers:detail:get_all_tenants")
        since, before = server_filters.checked_times(filters)
        if filters.deleted:
            found: list[Server] = list(self.store.list(DeletedServer))
        else:
            found = self.records.reconcile(self.store.list(Server))
        if not filters.all_projects:
            found = [s for s in found if s.project_id == self.context.project_id]
        seen = self.records.snapshot(found)
        names = group_names(self.store)
        volumes = _volumes_by_server(self.store)
        host_status = _host_status(self.store) if any(s.host_status for s in found) else ""
        # One replace per server: with a thousand servers, each copy costs milliseconds.
        found = [s.replace(**self.records.address_fields(s, seen),
                           security_group_names=port_groups(self.records, s, names, seen),
                           attached_volumes=volumes.get(s.id, []),
                           host_status=host_status if s.host_status else s.host_status)
                 for s in found]
        # The store keeps creation order; Nova lists newest first.
        found = [s for s in reversed(found) if server_filters.matches(s, filters, since, before)]
        return server_filters.page(found, filters, self._marker)

    def _marker(self, server_id: str) -> Server | None:
        """Nova reads a marker among deleted servers too."""
        return self.store.get(Server, server_id) or self.store.get(DeletedServer, server_id)


def group_names(store: Store) -> dict[str, str]:
    """Every security group's name (its ID when it has none), by ID."""
    return {g.id: g.name or g.id for g in store.list(SecurityGroup)}


def port_groups(records: ServerRecords, server: Server, names: dict[str, str],
                seen: PortSnapshot | None = None) -> list[str]:
    """Nova's ``security_groups``: each group of each of the server's ports, one entry per
    port (a group on two ports shows twice); none without ports."""
    return [names[group_id] for port in records.ports_of(server, seen)
            for group_id in port.security_group_ids if group_id in names]


def _volumes_by_server(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Nova's ``volumes_attached`` of every server that has any."""
    if not store.names(VOLUME_ATTACHMENT_KIND):
        return {}
    from ostack_cli.backend.local.guest_volumes import attachments_by_server, volumes_attached

    return {server_id: volumes_attached(attachments)
            for server_id, attachments in attachments_by_server(store).items()}


def _host_status(store: Store) -> str:
    # Nova's services' state: read only when a server was scheduled to the host.
    from ostack_cli.backend.local.compute_hosts import host_status

    return host_status(store)
