"""The local backend's services and who works with whom: each is given the shared context and,
by name, the services it calls. Nothing calls back up this list, so there are no cycles:

    Identity, Flavors, Images, Quotas                   the context only
    Keypairs, SecurityGroups                            quotas
    Ports                                               security_groups, quotas
    HostSync, ServerRecords                             ports
    Routers, FloatingIPs                                ports, quotas
    Networks, Subnets                                   ports, quotas, host_sync
    NetworkBootstrap                                    networks, subnets, routers, host_sync
    GuestBuilder                                        images, records
    Servers                                             records, guests, flavors, images,
                                                        keypairs, networks, ports,
                                                        security_groups, quotas, host_sync
    ServerActions                                       servers, records, guests, images,
                                                        ports, security_groups, host_sync

Each service is built, and its module imported, on first use: ``flavor list`` loads the
flavors and nothing of networking or servers.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from ostack_cli.backend.local.context import ServiceContext

if TYPE_CHECKING:
    from ostack_cli.backend.local.flavors import Flavors
    from ostack_cli.backend.local.floating_ips import FloatingIPs
    from ostack_cli.backend.local.guest_build import GuestBuilder
    from ostack_cli.backend.local.host_sync import HostSync
    from ostack_cli.backend.local.identity import Identity
    from ostack_cli.backend.local.images import Images
    from ostack_cli.backend.local.keypairs import Keypairs
    from ostack_cli.backend.local.network_bootstrap import NetworkBootstrap
    from ostack_cli.backend.local.networks import Networks
    from ostack_cli.backend.local.ports import Ports
    from ostack_cli.backend.local.quotas import Quotas
    from ostack_cli.backend.local.routers import Routers
    from ostack_cli.backend.local.security_groups import SecurityGroups
    from ostack_cli.backend.local.server_actions import ServerActions
    from ostack_cli.backend.local.server_records import ServerRecords
    from ostack_cli.backend.local.servers import Servers
    from ostack_cli.backend.local.subnets import Subnets


class Services:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- on the context alone ---------------------------------------------------------

    @cached_property
    def identity(self) -> Identity:
        from ostack_cli.backend.local.identity import Identity

        return Identity(self.context)

    @cached_property
    def flavors(self) -> Flavors:
        from ostack_cli.backend.local.flavors import Flavors

        return Flavors(self.context)

    @cached_property
    def images(self) -> Images:
        from ostack_cli.backend.local.images import Images

        return Images(self.context)

    @cached_property
    def quotas(self) -> Quotas:
        from ostack_cli.backend.local.quotas import Quotas

        return Quotas(self.context)

    @cached_property
    def server_records(self) -> ServerRecords:
        from ostack_cli.backend.local.server_records import ServerRecords

        return ServerRecords(self.context, ports=self.ports)

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
            self.context, ports=self.ports, quotas=self.quotas, host_sync=self.host_sync
        )

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
        )
