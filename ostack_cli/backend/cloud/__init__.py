"""The cloud backend: the same interface as the local one, served by a real OpenStack.

Imported only by ``backend.factory`` once a cloud is selected, so local invocations never load
openstacksdk or keystoneauth.
"""

from __future__ import annotations

from typing import Any

from openstack.connection import Connection

from ostack_cli.backend.cloud.access_rules import CloudAccessRules
from ostack_cli.backend.cloud.address_scopes import CloudAddressScopes
from ostack_cli.backend.cloud.application_credentials import CloudApplicationCredentials
from ostack_cli.backend.cloud.compute import CloudFlavors
from ostack_cli.backend.cloud.compute_hosts import CloudComputeHosts
from ostack_cli.backend.cloud.connection import LibraryLogging, connect
from ostack_cli.backend.cloud.discovery import CloudDiscovery
from ostack_cli.backend.cloud.groups import CloudGroups
from ostack_cli.backend.cloud.identity import CloudIdentity
from ostack_cli.backend.cloud.image import CloudImages
from ostack_cli.backend.cloud.image_members import CloudImageMembers
from ostack_cli.backend.cloud.ip_availability import CloudIPAvailability
from ostack_cli.backend.cloud.keypair import CloudKeypairs
from ostack_cli.backend.cloud.network import CloudNetworks
from ostack_cli.backend.cloud.network_agents import CloudNetworkAgents
from ostack_cli.backend.cloud.port_forwardings import CloudPortForwardings
from ostack_cli.backend.cloud.quota import CloudQuotas
from ostack_cli.backend.cloud.rbac_policies import CloudRbacPolicies
from ostack_cli.backend.cloud.roles import CloudRoles
from ostack_cli.backend.cloud.router_extras import CloudRouterExtras
from ostack_cli.backend.cloud.routers import CloudRouters
from ostack_cli.backend.cloud.security_group import CloudSecurityGroups
from ostack_cli.backend.cloud.server import CloudServers
from ostack_cli.backend.cloud.server_events import CloudServerEvents
from ostack_cli.backend.cloud.server_groups import CloudServerGroups
from ostack_cli.backend.cloud.server_lifecycle import CloudServerLifecycle
from ostack_cli.backend.cloud.server_migrations import CloudServerMigrations
from ostack_cli.backend.cloud.server_nics import CloudServerInterfaces, CloudServerLocks
from ostack_cli.backend.cloud.subnet_pools import CloudSubnetPools
from ostack_cli.backend.cloud.trusts import CloudTrusts
from ostack_cli.backend.cloud.usages import CloudUsages
from ostack_cli.backend.cloud.users import CloudUsers
from ostack_cli.backend.cloud.volume_attachments import CloudVolumeAttachments
from ostack_cli.backend.cloud.volume_backups import CloudVolumeBackups
from ostack_cli.backend.cloud.volume_transfers import CloudVolumeTransfers
from ostack_cli.backend.cloud.volumes import CloudServerVolumes, CloudVolumes
from ostack_cli.config import Selection
from ostack_cli.errors import BackendUnavailable


class CloudBackend(
    CloudAccessRules,
    CloudAddressScopes,
    CloudApplicationCredentials,
    CloudComputeHosts,
    CloudDiscovery,
    CloudFlavors,
    CloudGroups,
    CloudIdentity,
    CloudImages,
    CloudImageMembers,
    CloudIPAvailability,
    CloudKeypairs,
    CloudNetworks,
    CloudNetworkAgents,
    CloudRouters,
    CloudRouterExtras,
    CloudPortForwardings,
    CloudQuotas,
    CloudRoles,
    CloudSecurityGroups,
    CloudServers,
    CloudRbacPolicies,
    CloudSubnetPools,
    CloudTrusts,
    CloudServerEvents,
    CloudServerGroups,
    CloudServerInterfaces,
    CloudServerLifecycle,
    CloudServerLocks,
    CloudServerMigrations,
    CloudUsers,
    CloudUsages,
    CloudVolumes,
    CloudVolumeAttachments,
    CloudVolumeBackups,
    CloudVolumeTransfers,
    CloudServerVolumes,
):
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


__all__ = ["CloudBackend"]
