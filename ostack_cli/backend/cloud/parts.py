"""Every part of the cloud backend in one class: what type checkers see as ``CloudBackend``.

Importing this loads every part and its models (~90 ms), so only type checkers, the part index's
generator (``part_index_generate``) and tests import it; at run time ``CloudBackend`` loads the
part a command uses on first use (``part_loading``). The base order is the method resolution
order the index records: put a new part here, then run ``make cloud-index``.
"""

from __future__ import annotations

from ostack_cli.backend.cloud.access_rules import CloudAccessRules
from ostack_cli.backend.cloud.address_scopes import CloudAddressScopes
from ostack_cli.backend.cloud.application_credentials import CloudApplicationCredentials
from ostack_cli.backend.cloud.compute import CloudFlavors
from ostack_cli.backend.cloud.compute_hosts import CloudComputeHosts
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


class CloudParts(
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
    """The cloud backend's whole interface (no behaviour of its own)."""


__all__ = ["CloudParts"]
