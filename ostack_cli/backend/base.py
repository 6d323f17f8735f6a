"""The one interface every command calls; backends implement it, commands never see which."""

from __future__ import annotations

from typing import Protocol

from ostack_cli.backend.api.access_rule import AccessRuleAPI
from ostack_cli.backend.api.address_scope import AddressScopeAPI
from ostack_cli.backend.api.application_credential import ApplicationCredentialAPI
from ostack_cli.backend.api.compute import FlavorAPI, UsageAPI
from ostack_cli.backend.api.compute_host import (
    AggregateAPI,
    ComputeServiceAPI,
    HostAPI,
    HypervisorDetailAPI,
)
from ostack_cli.backend.api.discovery import DiscoveryAPI
from ostack_cli.backend.api.identity import IdentityAPI
from ostack_cli.backend.api.image import ImageAPI
from ostack_cli.backend.api.image_member import ImageMemberAPI
from ostack_cli.backend.api.ip_availability import IPAvailabilityAPI
from ostack_cli.backend.api.keypair import KeypairAPI
from ostack_cli.backend.api.network import NetworkAPI
from ostack_cli.backend.api.network_agent import NetworkAgentAPI
from ostack_cli.backend.api.port_forwarding import PortForwardingAPI
from ostack_cli.backend.api.quota import QuotaAPI
from ostack_cli.backend.api.rbac_policy import RbacPolicyAPI
from ostack_cli.backend.api.router_extras import RouterExtrasAPI
from ostack_cli.backend.api.security_group import SecurityGroupAPI
from ostack_cli.backend.api.server import ServerAPI
from ostack_cli.backend.api.server_event import ServerEventAPI
from ostack_cli.backend.api.server_group import ServerGroupAPI
from ostack_cli.backend.api.server_interface import ServerInterfaceAPI
from ostack_cli.backend.api.server_lifecycle import ServerLifecycleAPI
from ostack_cli.backend.api.server_lock import ServerLockAPI
from ostack_cli.backend.api.server_migration import ServerMigrationAPI
from ostack_cli.backend.api.subnet_pool import SubnetPoolAPI
from ostack_cli.backend.api.trust import TrustAPI
from ostack_cli.backend.api.volume import ServerVolumeAPI, VolumeAPI
from ostack_cli.backend.api.volume_attachment import VolumeAttachmentAPI
from ostack_cli.backend.api.volume_backup import VolumeBackupAPI
from ostack_cli.backend.api.volume_transfer import VolumeServiceAPI, VolumeTransferAPI


class Backend(
    AccessRuleAPI,
    AddressScopeAPI,
    AggregateAPI,
    ApplicationCredentialAPI,
    ComputeServiceAPI,
    DiscoveryAPI,
    FlavorAPI,
    UsageAPI,
    HostAPI,
    HypervisorDetailAPI,
    IdentityAPI,
    ImageAPI,
    ImageMemberAPI,
    IPAvailabilityAPI,
    KeypairAPI,
    NetworkAPI,
    NetworkAgentAPI,
    PortForwardingAPI,
    QuotaAPI,
    RouterExtrasAPI,
    SecurityGroupAPI,
    ServerAPI,
    ServerEventAPI,
    ServerGroupAPI,
    ServerInterfaceAPI,
    ServerLifecycleAPI,
    ServerLockAPI,
    ServerMigrationAPI,
    RbacPolicyAPI,
    SubnetPoolAPI,
    TrustAPI,
    VolumeAPI,
    VolumeBackupAPI,
    VolumeServiceAPI,
    VolumeTransferAPI,
    ServerVolumeAPI,
    VolumeAttachmentAPI,
    Protocol,
):
    """Typed models in, typed models out; errors are ``ostack_cli.errors`` exceptions."""

    def sync_host(self) -> list[str]:
        """Re-create the local host's side of the store's resources (local backend only);
        returns what the host could not follow, one line each."""
        ...

    def sweep_orphans(self, *, dry_run: bool = False) -> tuple[list[str], list[str], list[str]]:
        """Remove the host objects of local stores that are gone (local backend only):
        one line per tag removed, one per tag kept for a guest, and the faults."""
        ...

    def close(self) -> None: ...
