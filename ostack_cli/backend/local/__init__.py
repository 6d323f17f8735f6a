"""The local backend: the control plane of one host, state in SQLite.

``LocalBackend`` is a facade: each method of the ``Backend`` protocol hands the call to the
service that does the work (``services.py`` wires them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.host import HostContext
from ostack_cli.backend.local.image_files import CHUNK
from ostack_cli.backend.local.services import Services
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.identity import Project
from ostack_cli.backend.models.keypair import KEYPAIR_TYPE_SSH
from ostack_cli.errors import NotFound
from ostack_cli.state.paths import state_dir as default_state_dir
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from ostack_cli.backend.api.server import ServerFilters
    from ostack_cli.backend.models.flavor import Flavor, FlavorSpec
    from ostack_cli.backend.models.identity import Token
    from ostack_cli.backend.models.image import Image, ImageChanges, ImageSpec
    from ostack_cli.backend.models.keypair import Keypair
    from ostack_cli.backend.models.network import (
        BootstrapItem,
        BootstrapSpec,
        FixedIPRequest,
        FloatingIP,
        FloatingIPSpec,
        Network,
        NetworkSpec,
        Port,
        PortSpec,
        Router,
        RouterSpec,
        Subnet,
        SubnetSpec,
        TagFilter,
    )
    from ostack_cli.backend.models.security_group import (
        SecurityGroup,
        SecurityGroupRule,
        SecurityGroupRuleSpec,
        SecurityGroupSpec,
    )
    from ostack_cli.backend.models.server import Hypervisor, Server, ServerSpec

DEFAULT_PROJECT = "admin"
SEEDED_SETTING = "seeded"


class LocalBackend:
    def __init__(self, store: Store, state_dir: Path, project_id: str, user_id: str) -> None:
        self.context = ServiceContext(
            store=store,
            state_dir=state_dir,
            project_id=project_id,
            user_id=user_id,
            host=HostContext(state_dir, store),
        )
        self.services = Services(self.context)

    @classmethod
    def open(
        cls, *, project_name: str | None = None, state_dir: Path | None = None
    ) -> LocalBackend:
        directory = state_dir or default_state_dir()
        store = Store(directory / "state.db")
        try:
            user_id = seed(store)
            project = _acting_project(store, project_name or DEFAULT_PROJECT)
        except BaseException:
            store.close()
            raise
        return cls(store, directory, project.id, user_id)

    def close(self) -> None:
        """Follow the command's changes on the host, then let go of the store and libvirt."""
        try:
            written = self.store.take_written()
            if written:
                self.services.host_sync.after_command(written)
        finally:
            self.context.close()

    # What tests and benchmarks reach for to set up records directly.

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def host(self) -> HostContext:
        return self.context.host

    @property
    def project_id(self) -> str:
        return self.context.project_id

    @property
    def user_id(self) -> str:
        return self.context.user_id

    # -- identity ---------------------------------------------------------------------

    def projects(self) -> list[Project]:
        return self.services.identity.find_all_projects()

    def find_project(self, name_or_id: str) -> Project:
        return self.services.identity.find_project(name_or_id)

    def create_project(
        self,
        name: str,
        *,
        description: str = "",
        enabled: bool = True,
        tags: list[str] | None = None,
        or_show: bool = False,
    ) -> Project:
        return self.services.identity.create_project(
            name, description=description, enabled=enabled, tags=tags, or_show=or_show
        )

    def update_project(
        self,
        project: Project,
        *,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        tags: list[str] | None = None,
    ) -> Project:
        return self.services.identity.update_project(
            project, name=name, description=description, enabled=enabled, tags=tags
        )

    def delete_project(self, project: Project) -> None:
        self.services.identity.delete_project(project)

    def issue_token(self) -> Token:
        return self.services.identity.issue_token()

    # -- flavors ----------------------------------------------------------------------

    def flavors(
        self,
        *,
        is_public: bool | None = True,
        min_disk: int | None = None,
        min_ram: int | None = None,
    ) -> list[Flavor]:
        return self.services.flavors.find_all(
            is_public=is_public, min_disk=min_disk, min_ram=min_ram
        )

    def find_flavor(self, name_or_id: str) -> Flavor:
        return self.services.flavors.find(name_or_id)

    def create_flavor(self, spec: FlavorSpec) -> Flavor:
        return self.services.flavors.create(spec)

    def delete_flavor(self, flavor: Flavor) -> None:
        self.services.flavors.delete(flavor)

    def update_flavor(
        self,
        flavor: Flavor,
        *,
        set_specs: dict[str, str] | None = None,
        unset_specs: list[str] | None = None,
        description: str | None = None,
        add_projects: list[str] | None = None,
        remove_projects: list[str] | None = None,
        **_: Any,
    ) -> Flavor:
        return self.services.flavors.update(
            flavor,
            set_specs=set_specs,
            unset_specs=unset_specs,
            description=description,
            add_projects=add_projects,
            remove_projects=remove_projects,
        )

    # -- images -----------------------------------------------------------------------

    def images(
        self,
        *,
        visibility: str | None = None,
        name: str | None = None,
        status: str | None = None,
        tags: list[str] | None = None,
        owner: str | None = None,
        is_hidden: bool = False,
    ) -> list[Image]:
        return self.services.images.find_all(
            visibility=visibility, name=name, status=status, tags=tags, owner=owner,
            is_hidden=is_hidden,
        )

    def find_image(self, name_or_id: str) -> Image:
        return self.services.images.find(name_or_id)

    def create_image(self, spec: ImageSpec, data: IO[bytes] | None = None) -> Image:
        return self.services.images.create(spec, data)

    def update_image(self, image: Image, changes: ImageChanges) -> Image:
        return self.services.images.update(image, changes)

    def delete_image(self, image: Image) -> None:
        self.services.images.delete(image)

    def register_test_image(self) -> list[BootstrapItem]:
        return self.services.images.register_test_image()

    def image_data(self, image: Image, chunk_size: int = CHUNK) -> Iterator[bytes]:
        return self.services.images.data(image, chunk_size)

    # -- keypairs ---------------------------------------------------------------------

    def keypairs(self, *, user: str | None = None, marker: str | None = None) -> list[Keypair]:
        return self.services.keypairs.find_all(user=user, marker=marker)

    def find_keypair(self, name: str, *, user: str | None = None) -> Keypair:
        return self.services.keypairs.find(name, user=user)

    def create_keypair(
        self,
        name: str,
        public_key: str,
        *,
        key_type: str = KEYPAIR_TYPE_SSH,
        user: str | None = None,
    ) -> Keypair:
        return self.services.keypairs.create(name, public_key, key_type=key_type, user=user)

    def delete_keypair(self, name: str, *, user: str | None = None) -> None:
        self.services.keypairs.delete(name, user=user)

    # -- quotas -----------------------------------------------------------------------

    def quota_limits(self, project_id: str, *, defaults: bool = False) -> dict[str, int]:
        return self.services.quotas.limits(project_id, defaults=defaults)

    def quota_usage(self, project_id: str) -> dict[str, int]:
        return self.services.quotas.usage(project_id)

    def set_quotas(self, project_id: str, limits: dict[str, int]) -> None:
        self.services.quotas.set_limits(project_id, limits)

    # -- networks ---------------------------------------------------------------------

    def networks(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        external: bool | None = None,
        admin_state_up: bool | None = None,
        shared: bool | None = None,
        status: str | None = None,
        provider_network_type: str | None = None,
        provider_physical_network: str | None = None,
        provider_segmentation_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[Network]:
        return self.services.networks.find_all(
            name=name, project_id=project_id, external=external,
            admin_state_up=admin_state_up, shared=shared, status=status,
            provider_network_type=provider_network_type,
            provider_physical_network=provider_physical_network,
            provider_segmentation_id=provider_segmentation_id, tags=tags,
        )

    def find_network(self, name_or_id: str) -> Network:
        return self.services.networks.find(name_or_id)

    def create_network(self, spec: NetworkSpec) -> Network:
        return self.services.networks.create(spec)

    def update_network(self, network: Network, **changes: Any) -> Network:
        return self.services.networks.update(network, **changes)

    def delete_network(self, network: Network) -> None:
        self.services.networks.delete(network)

    # -- subnets ----------------------------------------------------------------------

    def subnets(
        self,
        *,
        network_id: str | None = None,
        name: str | None = None,
        project_id: str | None = None,
        ip_version: int | None = None,
        dhcp: bool | None = None,
        gateway_ip: str | None = None,
        cidr: str | None = None,
        service_types: list[str] | None = None,
        tags: TagFilter | None = None,
    ) -> list[Subnet]:
        return self.services.subnets.find_all(
            network_id=network_id, name=name, project_id=project_id, ip_version=ip_version,
            dhcp=dhcp, gateway_ip=gateway_ip, cidr=cidr, service_types=service_types,
            tags=tags,
        )

    def find_subnet(self, name_or_id: str) -> Subnet:
        return self.services.subnets.find(name_or_id)

    def create_subnet(self, spec: SubnetSpec) -> Subnet:
        return self.services.subnets.create(spec)

    def update_subnet(self, subnet: Subnet, **changes: Any) -> Subnet:
        return self.services.subnets.update(subnet, **changes)

    def delete_subnet(self, subnet: Subnet) -> None:
        self.services.subnets.delete(subnet)

    # -- ports ------------------------------------------------------------------------

    def ports(
        self,
        *,
        network_id: str | None = None,
        device_id: str | None = None,
        device_owner: str | None = None,
        mac_address: str | None = None,
        name: str | None = None,
        project_id: str | None = None,
        status: str | None = None,
        fixed_ips: list[dict[str, str]] | None = None,
        security_group_ids: list[str] | None = None,
        binding_host_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[Port]:
        return self.services.ports.find_all(
            network_id=network_id, device_id=device_id, device_owner=device_owner,
            mac_address=mac_address, name=name, project_id=project_id, status=status,
            fixed_ips=fixed_ips, security_group_ids=security_group_ids,
            binding_host_id=binding_host_id, tags=tags,
        )

    def find_port(self, name_or_id: str) -> Port:
        return self.services.ports.find(name_or_id)

    def create_port(self, spec: PortSpec) -> Port:
        return self.services.ports.create(spec)

    def update_port(self, port: Port, **changes: Any) -> Port:
        return self.services.ports.update(port, **changes)

    def delete_port(self, port: Port) -> None:
        self.services.ports.delete(port)

    # -- routers ----------------------------------------------------------------------

    def routers(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        admin_state_up: bool | None = None,
        tags: TagFilter | None = None,
    ) -> list[Router]:
        return self.services.routers.find_all(
            name=name, project_id=project_id, admin_state_up=admin_state_up, tags=tags
        )

    def find_router(self, name_or_id: str) -> Router:
        return self.services.routers.find(name_or_id)

    def create_router(self, spec: RouterSpec) -> Router:
        return self.services.routers.create(spec)

    def update_router(self, router: Router, **changes: Any) -> Router:
        return self.services.routers.update(router, **changes)

    def set_router_gateway(
        self,
        router: Router,
        network: Network,
        *,
        enable_snat: bool | None = None,
        fixed_ips: list[FixedIPRequest] | None = None,
    ) -> Router:
        return self.services.routers.set_gateway(
            router, network, enable_snat=enable_snat, fixed_ips=fixed_ips
        )

    def clear_router_gateway(self, router: Router) -> Router:
        return self.services.routers.clear_gateway(router)

    def delete_router(self, router: Router) -> None:
        self.services.routers.delete(router)

    def add_router_interface(
        self, router: Router, *, subnet: Subnet | None = None, port: Port | None = None
    ) -> Port:
        return self.services.routers.add_interface(router, subnet=subnet, port=port)

    def remove_router_interface(
        self, router: Router, *, subnet: Subnet | None = None, port: Port | None = None
    ) -> None:
        self.services.routers.remove_interface(router, subnet=subnet, port=port)

    # -- floating IPs -----------------------------------------------------------------

    def floating_ips(
        self,
        *,
        network_ids: list[str] | None = None,
        port_ids: list[str] | None = None,
        router_ids: list[str] | None = None,
        fixed_ip_address: str | None = None,
        floating_ip_address: str | None = None,
        status: str | None = None,
        project_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[FloatingIP]:
        return self.services.floating_ips.find_all(
            network_ids=network_ids, port_ids=port_ids, router_ids=router_ids,
            fixed_ip_address=fixed_ip_address, floating_ip_address=floating_ip_address,
            status=status, project_id=project_id, tags=tags,
        )

    def find_floating_ip(self, name_or_id: str) -> FloatingIP:
        return self.services.floating_ips.find(name_or_id)

    def create_floating_ip(self, spec: FloatingIPSpec) -> FloatingIP:
        return self.services.floating_ips.create(spec)

    def update_floating_ip(self, fip: FloatingIP, **changes: Any) -> FloatingIP:
        return self.services.floating_ips.update(fip, **changes)

    def associate_floating_ip(
        self, fip: FloatingIP, port: Port, fixed_ip_address: str | None = None
    ) -> FloatingIP:
        return self.services.floating_ips.associate(fip, port, fixed_ip_address)

    def disassociate_floating_ip(self, fip: FloatingIP) -> FloatingIP:
        return self.services.floating_ips.disassociate(fip)

    def delete_floating_ip(self, fip: FloatingIP) -> None:
        self.services.floating_ips.delete(fip)

    def bootstrap_network(self, spec: BootstrapSpec) -> list[BootstrapItem]:
        return self.services.network_bootstrap.run(spec)

    # -- security groups --------------------------------------------------------------

    def security_groups(
        self,
        *,
        project_id: str | None = None,
        shared: bool | None = None,
        tags: list[str] | None = None,
        any_tags: list[str] | None = None,
        not_tags: list[str] | None = None,
        not_any_tags: list[str] | None = None,
    ) -> list[SecurityGroup]:
        return self.services.security_groups.find_all(
            project_id=project_id, shared=shared, tags=tags, any_tags=any_tags,
            not_tags=not_tags, not_any_tags=not_any_tags,
        )

    def find_security_group(self, name_or_id: str) -> SecurityGroup:
        return self.services.security_groups.find(name_or_id)

    def create_security_group(self, spec: SecurityGroupSpec) -> SecurityGroup:
        return self.services.security_groups.create(spec)

    def update_security_group(
        self,
        group: SecurityGroup,
        *,
        name: str | None = None,
        description: str | None = None,
        stateful: bool | None = None,
        tags: list[str] | None = None,
    ) -> SecurityGroup:
        return self.services.security_groups.update(
            group, name=name, description=description, stateful=stateful, tags=tags
        )

    def delete_security_group(self, group: SecurityGroup) -> None:
        self.services.security_groups.delete(group)

    def security_group_rules(
        self,
        *,
        security_group_id: str | None = None,
        direction: str | None = None,
        protocol: str | None = None,
        project_id: str | None = None,
    ) -> list[SecurityGroupRule]:
        return self.services.security_groups.find_all_rules(
            security_group_id=security_group_id, direction=direction, protocol=protocol,
            project_id=project_id,
        )

    def find_security_group_rule(self, rule_id: str) -> SecurityGroupRule:
        return self.services.security_groups.find_rule(rule_id)

    def create_security_group_rule(self, spec: SecurityGroupRuleSpec) -> SecurityGroupRule:
        return self.services.security_groups.create_rule(spec)

    def delete_security_group_rule(self, rule: SecurityGroupRule) -> None:
        self.services.security_groups.delete_rule(rule)

    # -- servers ----------------------------------------------------------------------

    def servers(self, filters: ServerFilters | None = None) -> list[Server]:
        return self.services.servers.find_all(filters)

    def find_server(self, name_or_id: str, *, all_projects: bool = False) -> Server:
        return self.services.servers.find(name_or_id, all_projects=all_projects)

    def get_server(self, server_id: str) -> Server:
        return self.services.servers.get(server_id)

    def create_servers(self, spec: ServerSpec) -> list[Server]:
        from ostack_cli.backend.local.quotas import OverQuota, nova_port_limit

        try:
            return self.services.servers.create(spec)
        except OverQuota as exc:
            # The servers' ports are Neutron's to count, but Nova answers for them: it
            # checks the port quota itself before building anything.
            if exc.name != "ports":
                raise
            raise nova_port_limit(exc) from None

    def delete_server(self, server: Server, *, force: bool = False) -> None:
        self.services.server_actions.delete(server, force=force)

    def start_server(self, server: Server) -> None:
        self.services.server_actions.start(server)

    def stop_server(self, server: Server) -> None:
        self.services.server_actions.stop(server)

    def reboot_server(self, server: Server, *, hard: bool = False) -> None:
        self.services.server_actions.reboot(server, hard=hard)

    def pause_server(self, server: Server) -> None:
        self.services.server_actions.pause(server)

    def unpause_server(self, server: Server) -> None:
        self.services.server_actions.unpause(server)

    def suspend_server(self, server: Server) -> None:
        self.services.server_actions.suspend(server)

    def resume_server(self, server: Server) -> None:
        self.services.server_actions.resume(server)

    def update_server(
        self,
        server: Server,
        *,
        name: str | None = None,
        description: str | None = None,
        set_metadata: dict[str, str] | None = None,
        unset_metadata: list[str] | None = None,
    ) -> Server:
        return self.services.server_actions.update(
            server, name=name, description=description, set_metadata=set_metadata,
            unset_metadata=unset_metadata,
        )

    def add_security_group_to_server(self, server: Server, group_name_or_id: str) -> None:
        self.services.server_actions.add_security_group(server, group_name_or_id)

    def remove_security_group_from_server(self, server: Server, group_name_or_id: str) -> None:
        self.services.server_actions.remove_security_group(server, group_name_or_id)

    def console_log(self, server: Server, lines: int | None = None) -> str:
        return self.services.server_actions.console_log(server, lines)

    def console_url(self, server: Server, console_type: str) -> dict[str, str]:
        return self.services.server_actions.console_url(server, console_type)

    def wait_for_server(
        self,
        server: Server,
        *,
        statuses: tuple[str, ...] = ("ACTIVE",),
        failures: tuple[str, ...] = ("ERROR",),
        timeout: float | None = None,
        callback: Callable[[int], None] | None = None,
    ) -> Server:
        return self.services.server_actions.wait(
            server, statuses=statuses, failures=failures, timeout=timeout, callback=callback
        )

    def wait_for_server_delete(self, server: Server, *, timeout: float = 120.0) -> None:
        self.services.server_actions.wait_for_delete(server, timeout=timeout)

    def hypervisors(self) -> list[Hypervisor]:
        return self.services.server_actions.hypervisors()

    # -- the host ---------------------------------------------------------------------

    def sync_host(self) -> list[str]:
        return self.services.host_sync.sync_all()


def seed(store: Store) -> str:
    """Put a fresh store's defaults in place, once; returns the local user's ID."""
    user_id = store.get_setting("user_id")
    if user_id is not None and store.get_setting(SEEDED_SETTING) is not None:
        return user_id
    # Only a fresh store needs these (imported here: most commands never do).
    from ostack_cli.backend.local.flavors import default_flavors
    from ostack_cli.backend.local.identity import default_projects

    with store.transaction():
        user_id = store.get_setting("user_id")
        if user_id is None:
            user_id = new_id().replace("-", "")
            store.set_setting("user_id", user_id)
        if store.get_setting(SEEDED_SETTING) is None:
            for project in default_projects():
                store.insert(project)
            for flavor in default_flavors():
                store.insert(flavor)
            store.set_setting(SEEDED_SETTING, "1")
    return user_id


def _acting_project(store: Store, name_or_id: str) -> Project:
    found = store.get(Project, name_or_id) or next(iter(store.list(Project, name=name_or_id)), None)
    if found is None:
        raise NotFound(
            f"No Project found for {name_or_id}",
            "Pick an existing project with --os-project-name (see 'ostack project list').",
        )
    return found


__all__ = ["LocalBackend", "seed"]
