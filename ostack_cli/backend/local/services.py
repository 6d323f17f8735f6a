"""The local backend's services and who works with whom: each is given the shared context and,
by name, the services it calls. Nothing calls back up this list, so there are no cycles:

    Identity, Flavors, Images, ImageMembers, Quotas     the context only
    Users, Roles, Groups, ApplicationCredentials        the context only
    Trusts, AccessRules                                 the context only
    ImageImports                                        images
    Keypairs, SecurityGroups                            quotas
    Discovery                                           quotas, identity, compute_hosts
                                                        (on first use)
    Ports                                               security_groups, quotas
    HostSync                                            ports
    ServerRecords                                       ports (on first use)
    ServerListing                                       records
    Routers, FloatingIPs                                ports, quotas
    SubnetPools                                         quotas
    IPAvailability, PortForwardings                     the context only
    AddressScopes                                       the context only
    NetworkAgents                                       the context only
    Networks                                            ports, quotas, host_sync
    RbacPolicies                                        host_sync
    Subnets                                             ports, quotas, host_sync, subnet_pools
    NetworkBootstrap                                    networks, subnets, routers, host_sync
    GuestBuilder                                        images, records
    ServerEvents, ServerTags                            the context only
    ServerGroups                                        quotas
    ServerLocks                                         records, events
    Servers                                             records, guests, flavors, images,
                                                        keypairs, networks, ports,
                                                        security_groups, quotas, host_sync,
                                                        groups, events
    ServerActions                                       servers, records, guests, images,
                                                        ports, security_groups, host_sync,
                                                        locks, events
    ServerNics                                          records, ports, guests, host_sync,
                                                        events, locks
    GuestOps                                            records, guests, host_sync, locks,
                                                        events
    ServerSnapshots                                     ops, images
    ServerShelving                                      ops, snapshots
    ServerRescue, ServerRebuild                         ops
    ServerResize                                        ops, quotas, migration_records
    ComputeHosts                                        records
    Aggregates                                          compute_hosts
    MigrationRecords                                    the context only
    ServerMigrations                                    ops, compute_hosts, migration_records
    VolumeQuotas, VolumeTypes                           the context only
    Volumes                                             volume_quotas, volume_types, images
    VolumeSnapshots                                     volumes, volume_quotas
    VolumeTransfers                                     volume_quotas
    VolumeBackups                                       volumes, volume_quotas
    VolumeServices                                      the context only
    VolumeAttachments                                   volumes, volume_snapshots, images,
                                                        locks, events (and Servers uses it
                                                        to boot from volumes)

Each service is built, and its module imported, on first use: ``flavor list`` loads the
flavors and nothing of networking or servers.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ostack_cli.backend.local.context import ServiceContext

if TYPE_CHECKING:
    from ostack_cli.backend.local.access_rules import AccessRules
    from ostack_cli.backend.local.address_scopes import AddressScopes
    from ostack_cli.backend.local.aggregates import Aggregates
    from ostack_cli.backend.local.application_credentials import ApplicationCredentials
    from ostack_cli.backend.local.cinder_attachments import CinderAttachments
    from ostack_cli.backend.local.compute_hosts import ComputeHosts
    from ostack_cli.backend.local.consoles import Consoles
    from ostack_cli.backend.local.discovery import Discovery
    from ostack_cli.backend.local.flavors import Flavors
    from ostack_cli.backend.local.floating_ips import FloatingIPs
    from ostack_cli.backend.local.groups import Groups
    from ostack_cli.backend.local.guest_build import GuestBuilder
    from ostack_cli.backend.local.guest_ops import GuestOps
    from ostack_cli.backend.local.host_sync import HostSync
    from ostack_cli.backend.local.identity import Identity
    from ostack_cli.backend.local.image_import import ImageImports
    from ostack_cli.backend.local.image_members import ImageMembers
    from ostack_cli.backend.local.images import Images
    from ostack_cli.backend.local.ip_availability import IPAvailability
    from ostack_cli.backend.local.keypairs import Keypairs
    from ostack_cli.backend.local.migration_records import MigrationRecords
    from ostack_cli.backend.local.network_agents import NetworkAgents
    from ostack_cli.backend.local.network_bootstrap import NetworkBootstrap
    from ostack_cli.backend.local.networks import Networks
    from ostack_cli.backend.local.port_forwardings import PortForwardings
    from ostack_cli.backend.local.ports import Ports
    from ostack_cli.backend.local.quotas import Quotas
    from ostack_cli.backend.local.rbac_policies import RbacPolicies
    from ostack_cli.backend.local.rebuild import ServerRebuild
    from ostack_cli.backend.local.rescue import ServerRescue
    from ostack_cli.backend.local.resize import ServerResize
    from ostack_cli.backend.local.roles import Roles
    from ostack_cli.backend.local.routers import Routers
    from ostack_cli.backend.local.security_groups import SecurityGroups
    from ostack_cli.backend.local.server_actions import ServerActions
    from ostack_cli.backend.local.server_events import ServerEvents
    from ostack_cli.backend.local.server_groups import ServerGroups
    from ostack_cli.backend.local.server_listing import ServerListing
    from ostack_cli.backend.local.server_locks import ServerLocks
    from ostack_cli.backend.local.server_migrations import ServerMigrations
    from ostack_cli.backend.local.server_nics import ServerNics
    from ostack_cli.backend.local.server_records import ServerRecords
    from ostack_cli.backend.local.server_tags import ServerTags
    from ostack_cli.backend.local.servers import Servers
    from ostack_cli.backend.local.shelving import ServerShelving
    from ostack_cli.backend.local.snapshots import ServerSnapshots
    from ostack_cli.backend.local.subnet_pools import SubnetPools
    from ostack_cli.backend.local.subnets import Subnets
    from ostack_cli.backend.local.trusts import Trusts
    from ostack_cli.backend.local.usage import ServerUsages
    from ostack_cli.backend.local.users import Users
    from ostack_cli.backend.local.volume_attachments import VolumeAttachments
    from ostack_cli.backend.local.volume_backups import VolumeBackups
    from ostack_cli.backend.local.volume_quotas import VolumeQuotas
    from ostack_cli.backend.local.volume_services import VolumeServices
    from ostack_cli.backend.local.volume_snapshots import VolumeSnapshots
    from ostack_cli.backend.local.volume_transfers import VolumeTransfers
    from ostack_cli.backend.local.volume_types import VolumeTypes
    from ostack_cli.backend.local.volumes import Volumes


class Services:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- on the context alone ---------------------------------------------------------

    @cached_property
    def identity(self) -> Identity:
        from ostack_cli.backend.local.identity import Identity

        return Identity(self.context)

    @cached_property
    def users(self) -> Users:
        from ostack_cli.backend.local.users import Users

        return Users(self.context)

    @cached_property
    def groups(self) -> Groups:
        from ostack_cli.backend.local.groups import Groups

        return Groups(self.context)

    @cached_property
    def roles(self) -> Roles:
        from ostack_cli.backend.local.roles import Roles

        return Roles(self.context)

    @cached_property
    def application_credentials(self) -> ApplicationCredentials:
        from ostack_cli.backend.local.application_credentials import ApplicationCredentials

        return ApplicationCredentials(self.context)

    @cached_property
    def trusts(self) -> Trusts:
        from ostack_cli.backend.local.trusts import Trusts

        return Trusts(self.context)

    @cached_property
    def access_rules(self) -> AccessRules:
        from ostack_cli.backend.local.access_rules import AccessRules

        return AccessRules(self.context)

    @cached_property
    def flavors(self) -> Flavors:
        from ostack_cli.backend.local.flavors import Flavors

        return Flavors(self.context)

    @cached_property
    def images(self) -> Images:
        from ostack_cli.backend.local.images import Images

        return Images(self.context)

    @cached_property
    def image_members(self) -> ImageMembers:
        from ostack_cli.backend.local.image_members import ImageMembers

        return ImageMembers(self.context)

    @cached_property
    def image_imports(self) -> ImageImports:
        from ostack_cli.backend.local.image_import import ImageImports

        return ImageImports(self.context, self.images)

    @cached_property
    def quotas(self) -> Quotas:
        from ostack_cli.backend.local.quotas import Quotas

        return Quotas(self.context)

    @cached_property
    def discovery(self) -> Discovery:
        from ostack_cli.backend.local.discovery import Discovery

        return Discovery(self.context, quotas=self.quotas, identity=self.identity,
                         compute_hosts=lambda: self.compute_hosts,
                         volume_quotas=lambda: self.volume_quotas)

    @cached_property
    def server_records(self) -> ServerRecords:
        from ostack_cli.backend.local.server_records import ServerRecords

        return ServerRecords(self.context, ports=lambda: self.ports)

    @cached_property
    def server_listing(self) -> ServerListing:
        from ostack_cli.backend.local.server_listing import ServerListing

        return ServerListing(self.context, records=self.server_records)

    # -- checked against quotas -------------------------------------------------------

    @cached_property
    def keypairs(self) -> Keypairs:
        from ostack_cli.backend.local.keypairs import Keypairs

        return Keypairs(self.context, quotas=self.quotas)

    @cached_property
    def security_groups(self) -> SecurityGroups:
        from ostack_cli.backend.local.security_groups import SecurityGroups

        return SecurityGroups(self.context, quotas=self.quotas)

    # -- networking: every service makes and drops its ports through Ports, and each
    # checks its creates against the quotas; HostSync (the host side) has a say in the
    # external ranges -----------------------------------------------------------------

    @cached_property
    def ports(self) -> Ports:
        from ostack_cli.backend.local.ports import Ports

        return Ports(self.context, security_groups=self.security_groups, quotas=self.quotas)

    @cached_property
    def networks(self) -> Networks:
        from ostack_cli.backend.local.networks import Networks

        return Networks(
            self.context, ports=self.ports, quotas=self.quotas, host_sync=self.host_sync
        )

    @cached_property
    def subnets(self) -> Subnets:
        from ostack_cli.backend.local.subnets import Subnets

        return Subnets(
            self.context, ports=self.ports, quotas=self.quotas, host_sync=self.host_sync,
            subnet_pools=self.subnet_pools,
        )

    @cached_property
    def port_forwardings(self) -> PortForwardings:
        from ostack_cli.backend.local.port_forwardings import PortForwardings

        return PortForwardings(self.context)

    @cached_property
    def address_scopes(self) -> AddressScopes:
        from ostack_cli.backend.local.address_scopes import AddressScopes

        return AddressScopes(self.context)

    @cached_property
    def rbac_policies(self) -> RbacPolicies:
        from ostack_cli.backend.local.rbac_policies import RbacPolicies

        return RbacPolicies(self.context, host_sync=self.host_sync)

    @cached_property
    def ip_availability(self) -> IPAvailability:
        from ostack_cli.backend.local.ip_availability import IPAvailability

        return IPAvailability(self.context)

    @cached_property
    def network_agents(self) -> NetworkAgents:
        from ostack_cli.backend.local.network_agents import NetworkAgents

        return NetworkAgents(self.context)

    @cached_property
    def subnet_pools(self) -> SubnetPools:
        from ostack_cli.backend.local.subnet_pools import SubnetPools

        return SubnetPools(self.context, quotas=self.quotas)

    @cached_property
    def routers(self) -> Routers:
        from ostack_cli.backend.local.routers import Routers

        return Routers(self.context, ports=self.ports, quotas=self.quotas)

    @cached_property
    def floating_ips(self) -> FloatingIPs:
        from ostack_cli.backend.local.floating_ips import FloatingIPs

        return FloatingIPs(self.context, ports=self.ports, quotas=self.quotas)

    @cached_property
    def network_bootstrap(self) -> NetworkBootstrap:
        from ostack_cli.backend.local.network_bootstrap import NetworkBootstrap

        return NetworkBootstrap(
            self.context, networks=self.networks, subnets=self.subnets, routers=self.routers,
            host_sync=self.host_sync,
        )

    @cached_property
    def host_sync(self) -> HostSync:
        from ostack_cli.backend.local.host_sync import HostSync

        return HostSync(self.context, ports=self.ports)

    # -- servers ----------------------------------------------------------------------

    @cached_property
    def guest_builder(self) -> GuestBuilder:
        from ostack_cli.backend.local.guest_build import GuestBuilder

        return GuestBuilder(self.context, images=self.images, records=self.server_records)

    @cached_property
    def servers(self) -> Servers:
        from ostack_cli.backend.local.servers import Servers

        return Servers(
            self.context,
            records=self.server_records,
            guests=self.guest_builder,
            flavors=self.flavors,
            images=self.images,
            keypairs=self.keypairs,
            networks=self.networks,
            ports=self.ports,
            security_groups=self.security_groups,
            quotas=self.quotas,
            host_sync=self.host_sync,
            groups=self.server_groups,
            events=self.server_events,
            # Built on first use: most servers boot from images.
            boot_volumes=lambda: self.volume_attachments,
        )

    @cached_property
    def server_actions(self) -> ServerActions:
        from ostack_cli.backend.local.server_actions import ServerActions

        return ServerActions(
            self.context,
            servers=self.servers,
            records=self.server_records,
            guests=self.guest_builder,
            images=self.images,
            ports=self.ports,
            security_groups=self.security_groups,
            host_sync=self.host_sync,
            locks=self.server_locks,
            events=self.server_events,
        )

    @cached_property
    def consoles(self) -> Consoles:
        from ostack_cli.backend.local.consoles import Consoles

        return Consoles(self.context)

    # -- what a server records and keeps besides its guest: actions, locks, tags, groups,
    # and NICs plugged while it lives ---------------------------------------------------

    @cached_property
    def server_events(self) -> ServerEvents:
        from ostack_cli.backend.local.server_events import ServerEvents

        return ServerEvents(self.context)

    @cached_property
    def server_locks(self) -> ServerLocks:
        from ostack_cli.backend.local.server_locks import ServerLocks

        return ServerLocks(self.context, records=self.server_records, events=self.server_events)

    @cached_property
    def server_tags(self) -> ServerTags:
        from ostack_cli.backend.local.server_tags import ServerTags

        return ServerTags(self.context)

    @cached_property
    def server_groups(self) -> ServerGroups:
        from ostack_cli.backend.local.server_groups import ServerGroups

        return ServerGroups(self.context, quotas=self.quotas)

    @cached_property
    def server_usages(self) -> ServerUsages:
        from ostack_cli.backend.local.usage import ServerUsages

        return ServerUsages(self.context)

    @cached_property
    def server_nics(self) -> ServerNics:
        from ostack_cli.backend.local.server_nics import ServerNics

        return ServerNics(
            self.context, records=self.server_records, ports=self.ports,
            guests=self.guest_builder, host_sync=self.host_sync, events=self.server_events,
            locks=self.server_locks,
        )

    # -- what touches a guest's disk: shelve, rescue, rebuild, resize, snapshots --------

    @cached_property
    def guest_ops(self) -> GuestOps:
        from ostack_cli.backend.local.guest_ops import GuestOps

        return GuestOps(self.context, records=self.server_records, guests=self.guest_builder,
                        host_sync=self.host_sync, locks=self.server_locks,
                        events=self.server_events)

    @cached_property
    def server_snapshots(self) -> ServerSnapshots:
        from ostack_cli.backend.local.snapshots import ServerSnapshots

        return ServerSnapshots(self.context, ops=self.guest_ops, images=self.images)

    @cached_property
    def server_shelving(self) -> ServerShelving:
        from ostack_cli.backend.local.shelving import ServerShelving

        return ServerShelving(self.context, ops=self.guest_ops, snapshots=self.server_snapshots)

    @cached_property
    def server_rescue(self) -> ServerRescue:
        from ostack_cli.backend.local.rescue import ServerRescue

        return ServerRescue(self.context, ops=self.guest_ops)

    @cached_property
    def server_rebuild(self) -> ServerRebuild:
        from ostack_cli.backend.local.rebuild import ServerRebuild

        return ServerRebuild(self.context, ops=self.guest_ops)

    @cached_property
    def server_resize(self) -> ServerResize:
        from ostack_cli.backend.local.resize import ServerResize

        return ServerResize(self.context, ops=self.guest_ops, quotas=self.quotas,
                            migrations=self.migration_records)

    # -- Nova's hosts: its services, the hypervisor, aggregates, moving servers ---------

    @cached_property
    def compute_hosts(self) -> ComputeHosts:
        from ostack_cli.backend.local.compute_hosts import ComputeHosts

        return ComputeHosts(self.context, records=self.server_records)

    @cached_property
    def aggregates(self) -> Aggregates:
        from ostack_cli.backend.local.aggregates import Aggregates

        return Aggregates(self.context, compute_hosts=self.compute_hosts)

    @cached_property
    def server_migrations(self) -> ServerMigrations:
        from ostack_cli.backend.local.server_migrations import ServerMigrations

        return ServerMigrations(self.context, ops=self.guest_ops,
                                compute_hosts=self.compute_hosts,
                                migrations=self.migration_records)

    @cached_property
    def migration_records(self) -> MigrationRecords:
        from ostack_cli.backend.local.migration_records import MigrationRecords

        return MigrationRecords(self.context)

    # -- block storage: Cinder's volumes, snapshots and types, Nova's attachments --------

    @cached_property
    def volume_quotas(self) -> VolumeQuotas:
        from ostack_cli.backend.local.volume_quotas import VolumeQuotas

        return VolumeQuotas(self.context)

    @cached_property
    def volume_types(self) -> VolumeTypes:
        from ostack_cli.backend.local.volume_types import VolumeTypes

        return VolumeTypes(self.context)

    @cached_property
    def volumes(self) -> Volumes:
        from ostack_cli.backend.local.volumes import Volumes

        return Volumes(self.context, quotas=self.volume_quotas, types=self.volume_types,
                       images=self.images)

    @cached_property
    def volume_snapshots(self) -> VolumeSnapshots:
        from ostack_cli.backend.local.volume_snapshots import VolumeSnapshots

        return VolumeSnapshots(self.context, volumes=self.volumes, quotas=self.volume_quotas)

    @cached_property
    def volume_transfers(self) -> VolumeTransfers:
        from ostack_cli.backend.local.volume_transfers import VolumeTransfers

        return VolumeTransfers(self.context, quotas=self.volume_quotas)

    @cached_property
    def volume_backups(self) -> VolumeBackups:
        from ostack_cli.backend.local.volume_backups import VolumeBackups

        return VolumeBackups(self.context, volumes=self.volumes, quotas=self.volume_quotas)

    @cached_property
    def volume_services(self) -> VolumeServices:
        from ostack_cli.backend.local.volume_services import VolumeServices

        return VolumeServices(self.context)

    @cached_property
    def cinder_attachments(self) -> CinderAttachments:
        from ostack_cli.backend.local.cinder_attachments import CinderAttachments

        return CinderAttachments(self.context)

    @cached_property
    def volume_attachments(self) -> VolumeAttachments:
        from ostack_cli.backend.local.volume_attachments import VolumeAttachments

        return VolumeAttachments(
            self.context, volumes=self.volumes, snapshots=self.volume_snapshots,
            images=self.images, locks=self.server_locks, events=self.server_events,
        )
