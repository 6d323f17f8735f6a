"""The local backend: the control plane of one host, state in SQLite.

``LocalBackend`` is a facade: each method of the ``Backend`` protocol hands the call to the
service that does the work (``services.py`` wires them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ostack_cli.backend.api.server_lifecycle import UNSET
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.host import HostContext
from ostack_cli.backend.local.image_files import CHUNK
from ostack_cli.backend.local.services import Services
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.keypair import KEYPAIR_TYPE_SSH
from ostack_cli.errors import NotFound
from ostack_cli.state.paths import state_dir as default_state_dir
from ostack_cli.state.store import Store

if TYPE_CHECKING:
    from datetime import datetime

    from ostack_cli.backend.api.server import ServerFilters
    from ostack_cli.backend.api.server_lifecycle import RebuildSpec, Unset
    from ostack_cli.backend.local.api_access import ApiUser, CloudsEntry
    from ostack_cli.backend.models.address_scope import AddressScope, AddressScopeSpec
    from ostack_cli.backend.models.application_credential import (
        AccessRule,
        ApplicationCredential,
        ApplicationCredentialSpec,
    )
    from ostack_cli.backend.models.compute_host import (
        Aggregate,
        ComputeService,
        HostResource,
        HostService,
        HypervisorStatistics,
    )
    from ostack_cli.backend.models.discovery import (
        ApiVersion,
        AvailabilityZone,
        ClientConfiguration,
        Extension,
        Limits,
        ProjectQuotaSet,
    )
    from ostack_cli.backend.models.flavor import Flavor, FlavorSpec
    from ostack_cli.backend.models.identity import (
        AssignmentFilters,
        Domain,
        Group,
        Project,
        Role,
        RoleAssignment,
        RoleGrant,
        Token,
        User,
        UserChanges,
        UserSpec,
    )
    from ostack_cli.backend.models.image import Image, ImageChanges, ImageImportRequest, ImageSpec
    from ostack_cli.backend.models.image_member import ImageMember
    from ostack_cli.backend.models.ip_availability import NetworkIPAvailability
    from ostack_cli.backend.models.keypair import Keypair
    from ostack_cli.backend.models.migration import Migration, MigrationFilters
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
    from ostack_cli.backend.models.network_agent import NetworkAgent
    from ostack_cli.backend.models.placement import ResourceProvider
    from ostack_cli.backend.models.port_forwarding import PortForwarding, PortForwardingSpec
    from ostack_cli.backend.models.rbac_policy import RbacPolicy, RbacPolicySpec
    from ostack_cli.backend.models.security_group import (
        SecurityGroup,
        SecurityGroupRule,
        SecurityGroupRuleSpec,
        SecurityGroupSpec,
    )
    from ostack_cli.backend.models.server import Hypervisor, Server, ServerSpec, VolumeQuotas
    from ostack_cli.backend.models.server_action import ActionFilters, ServerAction
    from ostack_cli.backend.models.server_group import ServerGroup
    from ostack_cli.backend.models.server_interface import ServerInterface
    from ostack_cli.backend.models.subnet_pool import SubnetPool, SubnetPoolSpec
    from ostack_cli.backend.models.trust import Trust, TrustSpec
    from ostack_cli.backend.models.usage import ProjectUsage, ServerUsage, UsagePeriod
    from ostack_cli.backend.models.volume import (
        ImageUpload,
        SnapshotFilters,
        Volume,
        VolumeAttachment,
        VolumeFilters,
        VolumeSnapshot,
        VolumeSpec,
        VolumeType,
    )
    from ostack_cli.backend.models.volume_backup import (
        BackupFilters,
        BackupRestore,
        VolumeBackup,
    )
    from ostack_cli.backend.models.volume_transfer import VolumeService, VolumeTransfer

DEFAULT_PROJECT = "admin"
SEEDED_SETTING = "seeded"
IDENTITY_SEEDED_SETTING = "identity_seeded"
RBAC_SEEDED_SETTING = "rbac_seeded"


class LocalBackend:
    def __init__(
        self,
        store: Store,
        state_dir: Path,
        project_id: str,
        user_id: str,
        *,
        is_admin: bool | None = None,
    ) -> None:
        self.context = ServiceContext(
            store=store,
            state_dir=state_dir,
            project_id=project_id,
            user_id=user_id,
            host=HostContext(state_dir, store),
            is_admin=(
                _is_admin_project(store, user_id, project_id) if is_admin is None else is_admin
            ),
        )
        self.services = Services(self.context)

    @classmethod
    def open(
        cls,
        *,
        project_name: str | None = None,
        state_dir: Path | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> LocalBackend:
        """The store, with the acting user and project (``authn.acting_user``: the local
        admin unless a user name is given, then Keystone's password check)."""
        from ostack_cli.backend.local.authn import acting_user

        directory = state_dir or default_state_dir()
        store = Store(directory / "state.db")
        try:
            admin_user_id = seed(store)
            acting = acting_user(store, admin_user_id, project_name=project_name,
                                 username=username, password=password)
        except BaseException:
            store.close()
            raise
        return cls(store, directory, acting.project_id, acting.user_id,
                   is_admin=acting.is_admin)

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

    def projects(
        self, *, domain_id: str | None = None, enabled: bool | None = None
    ) -> list[Project]:
        return self.services.identity.find_all_projects(domain_id=domain_id, enabled=enabled)

    def user_projects(self, user_id: str) -> list[Project]:
        return self.services.identity.user_projects(user_id)

    def find_project(self, name_or_id: str, *, domain_id: str | None = None) -> Project:
        return self.services.identity.find_project(name_or_id, domain_id=domain_id)

    def create_project(
        self,
        name: str,
        *,
        description: str = "",
        enabled: bool = True,
        tags: list[str] | None = None,
        or_show: bool = False,
        properties: dict[str, Any] | None = None,
    ) -> Project:
        return self.services.identity.create_project(
            name, description=description, enabled=enabled, tags=tags, or_show=or_show,
            properties=properties,
        )

    def update_project(
        self,
        project: Project,
        *,
        name: str | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        tags: list[str] | None = None,
        properties: dict[str, Any] | None = None,
    ) -> Project:
        return self.services.identity.update_project(
            project, name=name, description=description, enabled=enabled, tags=tags,
            properties=properties,
        )

    def delete_project(self, project: Project) -> None:
        self.services.identity.delete_project(project)

    def domains(self, *, name: str | None = None, enabled: bool | None = None) -> list[Domain]:
        return self.services.identity.find_all_domains(name=name, enabled=enabled)

    def find_domain(self, name_or_id: str) -> Domain:
        return self.services.identity.find_domain(name_or_id)

    def users(self, *, domain_id: str | None = None, enabled: bool | None = None) -> list[User]:
        return self.services.users.find_all(domain_id=domain_id, enabled=enabled)

    def find_user(self, name_or_id: str, *, domain_id: str | None = None) -> User:
        return self.services.users.find(name_or_id, domain_id=domain_id)

    def create_user(self, spec: UserSpec) -> User:
        return self.services.users.create(spec)

    def update_user(self, user: User, changes: UserChanges) -> User:
        return self.services.users.update(user, changes)

    def delete_user(self, user: User) -> None:
        self.services.users.delete(user)

    def groups(self, *, domain_id: str | None = None) -> list[Group]:
        return self.services.groups.find_all(domain_id=domain_id)

    def user_groups(self, user_id: str) -> list[Group]:
        return self.services.groups.of_user(user_id)

    def find_group(self, name_or_id: str, *, domain_id: str | None = None) -> Group:
        return self.services.groups.find(name_or_id, domain_id=domain_id)

    def find_group_id(self, name_or_id: str, *, domain_id: str | None = None) -> str:
        return self.services.groups.find(name_or_id, domain_id=domain_id).id

    def create_group(
        self, name: str, *, domain_id: str | None = None, description: str | None = None
    ) -> Group:
        return self.services.groups.create(name, domain_id=domain_id, description=description)

    def update_group(
        self, group_id: str, *, name: str | None = None, description: str | None = None
    ) -> Group:
        return self.services.groups.update(group_id, name=name, description=description)

    def delete_group(self, group_id: str) -> None:
        self.services.groups.delete(group_id)

    def group_users(self, group_id: str) -> list[User]:
        return self.services.groups.members(group_id)

    def add_user_to_group(self, user_id: str, group_id: str) -> None:
        self.services.groups.add_user(group_id, user_id)

    def remove_user_from_group(self, user_id: str, group_id: str) -> None:
        self.services.groups.remove_user(group_id, user_id)

    def check_user_in_group(self, user_id: str, group_id: str) -> bool:
        try:
            return self.services.groups.contains(group_id, user_id)
        except NotFound:
            return False

    def roles(self, *, domain_id: str | None = None) -> list[Role]:
        return self.services.roles.find_all(domain_id=domain_id)

    def find_role(self, name_or_id: str, *, domain_id: str | None = None) -> Role:
        return self.services.roles.find(name_or_id, domain_id=domain_id)

    def create_role(
        self,
        name: str,
        *,
        description: str | None = None,
        domain_id: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> Role:
        return self.services.roles.create(
            name, description=description, domain_id=domain_id, options=options
        )

    def delete_role(self, role_id: str) -> None:
        self.services.roles.delete(role_id)

    def grant_role(self, grant: RoleGrant) -> bool:
        return self.services.roles.grant(grant)

    def revoke_role(self, grant: RoleGrant) -> bool:
        return self.services.roles.revoke(grant)

    def role_assignments(self, filters: AssignmentFilters) -> list[RoleAssignment]:
        return self.services.roles.assignments(filters)

    def application_credentials(self, *, user_id: str | None = None
                                ) -> list[ApplicationCredential]:
        return self.services.application_credentials.find_all(user_id=user_id)

    def find_application_credential(self, name_or_id: str) -> ApplicationCredential:
        return self.services.application_credentials.find(name_or_id)

    def create_application_credential(self, spec: ApplicationCredentialSpec
                                      ) -> ApplicationCredential:
        return self.services.application_credentials.create(spec)

    def delete_application_credential(self, credential: ApplicationCredential) -> None:
        self.services.application_credentials.delete(credential)

    def trusts(self, *, trustor_user_id: str | None = None,
               trustee_user_id: str | None = None) -> list[Trust]:
        return self.services.trusts.find_all(trustor_user_id=trustor_user_id,
                                             trustee_user_id=trustee_user_id)

    def find_trust(self, trust_id: str) -> Trust:
        return self.services.trusts.find(trust_id)

    def create_trust(self, spec: TrustSpec) -> Trust:
        return self.services.trusts.create(spec)

    def delete_trust(self, trust: Trust) -> None:
        self.services.trusts.delete(trust)

    def access_rules(self) -> list[AccessRule]:
        return self.services.access_rules.find_all()

    def get_access_rule(self, rule_id: str) -> AccessRule:
        return self.services.access_rules.get(self.context.user_id, rule_id)

    def delete_access_rule(self, rule: AccessRule) -> None:
        self.services.access_rules.delete(rule)

    def issue_token(self) -> Token:
        return self.services.identity.issue_token()

    def revoke_token(self, token: str) -> None:
        self.services.identity.revoke_token(token)

    def auth_user_id(self) -> str:
        return self.context.user_id

    def auth_project_id(self) -> str | None:
        return self.context.project_id

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
        member_status: str | None = None,
    ) -> list[Image]:
        return self.services.images.find_all(
            visibility=visibility, name=name, status=status, tags=tags, owner=owner,
            is_hidden=is_hidden, member_status=member_status,
        )

    def find_image(self, name_or_id: str) -> Image:
        return self.services.images.find(name_or_id)

    def create_image(
        self, spec: ImageSpec, data: IO[bytes] | None = None, *, use_import: bool = False
    ) -> Image:
        if use_import and data is not None:
            return self.services.image_imports.create(spec, data)
        return self.services.images.create(spec, data)

    def stage_image(self, image: Image, data: IO[bytes]) -> Image:
        return self.services.image_imports.stage(image, data)

    def import_image(self, image: Image, request: ImageImportRequest) -> None:
        self.services.image_imports.import_image(image, request)

    def image_import_methods(self) -> list[str]:
        return self.services.image_imports.methods()

    def update_image(self, image: Image, changes: ImageChanges) -> Image:
        return self.services.images.update(image, changes)

    def delete_image(self, image: Image) -> None:
        self.services.images.delete(image)

    def image_members(self, image: Image) -> list[ImageMember]:
        return self.services.image_members.find_all(image)

    def find_image_member(self, image: Image, member_id: str) -> ImageMember:
        return self.services.image_members.find(image, member_id)

    def add_image_member(self, image: Image, member_id: str) -> ImageMember:
        return self.services.image_members.add(image, member_id)

    def update_image_member(
        self, image: Image, member_id: str | None, status: str
    ) -> ImageMember:
        return self.services.image_members.update(image, member_id, status)

    def remove_image_member(self, image: Image, member_id: str) -> None:
        self.services.image_members.remove(image, member_id)

    def register_test_image(self) -> list[BootstrapItem]:
        return self.services.images.register_test_image()

    def bootstrap_api_access(self) -> tuple[list[ApiUser], CloudsEntry]:
        """``ostack bootstrap``'s part for ``ostack api``: passwords, clouds.yaml entries."""
        from ostack_cli.backend.local.api_access import ensure_api_users, write_clouds_yaml

        users = ensure_api_users(self.store, self.context.state_dir)
        return users, write_clouds_yaml(self.context.state_dir)

    def image_data(self, image: Image, chunk_size: int = CHUNK) -> Iterator[bytes]:
        return self.services.images.data(image, chunk_size)

    def upload_image_data(self, image: Image, data: IO[bytes]) -> Image:
        """Data for a queued image (Glance's ``PUT /file``; ``ostack api`` only)."""
        return self.services.images.upload(image, data)

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

    def set_quotas(self, project_id: str, limits: dict[str, int], *,
                   force: bool | None = None) -> None:
        from ostack_cli.backend.local.volume_quotas import split_limits

        # The real client's order: compute, then volume, then network.
        compute, volume, network = split_limits(limits)
        if compute:
            self.services.quotas.set_limits(project_id, compute, force=force is True)
        self.services.volume_quotas.set_limits(project_id, volume)
        if network:
            self.services.quotas.set_limits(project_id, network, force=force is True)

    def has_block_storage(self) -> bool:
        return True  # Cinder's part: volumes as files on this host

    def volume_quotas(
        self, project_id: str, *, defaults: bool = False, usage: bool = False
    ) -> VolumeQuotas:
        return self.services.volume_quotas.quota_set(project_id, defaults=defaults, usage=usage)

    # -- discovery --------------------------------------------------------------------

    def api_versions(
        self,
        *,
        service_type: str | None = None,
        interface: str | None = "public",
        region_name: str | None = None,
    ) -> list[ApiVersion]:
        return self.services.discovery.api_versions(
            service_type=service_type, interface=interface, region_name=region_name
        )

    def extensions(self, service: str) -> list[Extension]:
        return self.services.discovery.extensions(service)

    def find_extension(self, name_or_alias: str) -> Extension:
        return self.services.discovery.find_extension(name_or_alias)

    def service_limits(self, project_id: str | None, *, reserved: bool = False) -> Limits:
        return self.services.discovery.service_limits(project_id, reserved=reserved)

    def find_project_id(self, name_or_id: str, *, domain: str | None = None) -> str:
        return self.services.discovery.find_project_id(name_or_id, domain=domain)

    def availability_zones(self, service: str, *, details: bool = False) -> list[AvailabilityZone]:
        return self.services.discovery.availability_zones(service, details=details)

    def project_quota_sets(self, service: str) -> list[ProjectQuotaSet]:
        return self.services.discovery.project_quota_sets(service)

    def client_configuration(self) -> ClientConfiguration:
        return self.services.discovery.client_configuration()

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
        subnet_pool_id: str | None = None,
    ) -> list[Subnet]:
        return self.services.subnets.find_all(
            network_id=network_id, name=name, project_id=project_id, ip_version=ip_version,
            dhcp=dhcp, gateway_ip=gateway_ip, cidr=cidr, service_types=service_types,
            tags=tags, subnet_pool_id=subnet_pool_id,
        )

    def find_subnet(self, name_or_id: str) -> Subnet:
        return self.services.subnets.find(name_or_id)

    def create_subnet(self, spec: SubnetSpec) -> Subnet:
        return self.services.subnets.create(spec)

    def update_subnet(self, subnet: Subnet, **changes: Any) -> Subnet:
        return self.services.subnets.update(subnet, **changes)

    def delete_subnet(self, subnet: Subnet) -> None:
        self.services.subnets.delete(subnet)

    # -- IP availability --------------------------------------------------------------

    def network_ip_availabilities(
        self, *, ip_version: int | None = None, project_id: str | None = None
    ) -> list[NetworkIPAvailability]:
        return self.services.ip_availability.find_all(
            ip_version=ip_version, project_id=project_id
        )

    def find_network_ip_availability(self, network_id: str) -> NetworkIPAvailability:
        return self.services.ip_availability.find(network_id)

    # -- network agents ---------------------------------------------------------------

    def network_agents(self, *, agent_type: str | None = None,
                       host: str | None = None) -> list[NetworkAgent]:
        return self.services.network_agents.find_all(agent_type=agent_type, host=host)

    def find_network_agent(self, agent_id: str) -> NetworkAgent:
        return self.services.network_agents.find(agent_id)

    def network_dhcp_agents(self, network_id: str) -> list[NetworkAgent]:
        return self.services.network_agents.dhcp_agents(network_id)

    def router_l3_agents(self, router_id: str) -> list[NetworkAgent]:
        return self.services.network_agents.l3_agents(router_id)

    # -- subnet pools -----------------------------------------------------------------

    def subnet_pools(
        self,
        *,
        name: str | None = None,
        project_id: str | None = None,
        shared: bool | None = None,
        is_default: bool | None = None,
        address_scope_id: str | None = None,
        tags: TagFilter | None = None,
    ) -> list[SubnetPool]:
        return self.services.subnet_pools.find_all(
            name=name, project_id=project_id, shared=shared, is_default=is_default,
            address_scope_id=address_scope_id, tags=tags,
        )

    def find_subnet_pool(self, name_or_id: str) -> SubnetPool:
        return self.services.subnet_pools.find(name_or_id)

    def create_subnet_pool(self, spec: SubnetPoolSpec) -> SubnetPool:
        return self.services.subnet_pools.create(spec)

    def update_subnet_pool(self, pool: SubnetPool, **changes: Any) -> SubnetPool:
        return self.services.subnet_pools.update(pool, **changes)

    def delete_subnet_pool(self, pool: SubnetPool) -> None:
        self.services.subnet_pools.delete(pool)

    # -- address scopes and RBAC policies ------------------------------------------------

    def address_scopes(
        self,
        *,
        name: str | None = None,
        ip_version: int | None = None,
        project_id: str | None = None,
        shared: bool | None = None,
    ) -> list[AddressScope]:
        return self.services.address_scopes.find_all(
            name=name, ip_version=ip_version, project_id=project_id, shared=shared)

    def find_address_scope(self, name_or_id: str) -> AddressScope:
        return self.services.address_scopes.find(name_or_id)

    def create_address_scope(self, spec: AddressScopeSpec) -> AddressScope:
        return self.services.address_scopes.create(spec)

    def update_address_scope(self, scope: AddressScope, **changes: Any) -> AddressScope:
        return self.services.address_scopes.update(scope, **changes)

    def delete_address_scope(self, scope: AddressScope) -> None:
        self.services.address_scopes.delete(scope)

    def rbac_policies(
        self,
        *,
        object_type: str | None = None,
        action: str | None = None,
        target_project_id: str | None = None,
    ) -> list[RbacPolicy]:
        return self.services.rbac_policies.find_all(
            object_type=object_type, action=action, target_project_id=target_project_id)

    def find_rbac_policy(self, policy_id: str) -> RbacPolicy:
        return self.services.rbac_policies.find(policy_id)

    def create_rbac_policy(self, spec: RbacPolicySpec) -> RbacPolicy:
        return self.services.rbac_policies.create(spec)

    def update_rbac_policy(self, policy: RbacPolicy, *, target_project_id: str) -> RbacPolicy:
        return self.services.rbac_policies.update(policy, target_project_id=target_project_id)

    def delete_rbac_policy(self, policy: RbacPolicy) -> None:
        self.services.rbac_policies.delete(policy)

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
        # Checked here, at the API, not in Ports: Nova makes its servers' ports with its own
        # (admin) rights.
        from ostack_cli.backend.local.neutron_policy import check_port_create, network_of

        check_port_create(self.context, spec,
                          network_of(self.store, spec.network_id, self.context.project_id))
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

    def network_extension_enabled(self, alias: str) -> bool:
        from ostack_cli.backend.local.api_extensions import NEUTRON_EXTENSIONS

        return any(entry[1] == alias for entry in NEUTRON_EXTENSIONS)

    def add_router_routes(self, router: Router, routes: list[dict[str, str]]) -> Router:
        return self.services.routers.add_routes(router, routes)

    def remove_router_routes(self, router: Router, routes: list[dict[str, str]]) -> Router:
        return self.services.routers.remove_routes(router, routes)

    def add_router_gateways(self, router: Router, gateways: list[dict[str, Any]]) -> Router:
        from ostack_cli.backend.api.router_extras import no_multihoming

        raise no_multihoming()

    def remove_router_gateways(
        self, router: Router, gateways: list[dict[str, Any]]
    ) -> Router:
        from ostack_cli.backend.api.router_extras import no_multihoming

        raise no_multihoming()

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

    def port_forwardings(
        self,
        fip: FloatingIP,
        *,
        internal_port_id: str | None = None,
        external_port: int | None = None,
        external_port_range: str | None = None,
        protocol: str | None = None,
    ) -> list[PortForwarding]:
        return self.services.port_forwardings.find_all(
            fip, internal_port_id=internal_port_id, external_port=external_port,
            external_port_range=external_port_range, protocol=protocol,
        )

    def find_port_forwarding(self, fip: FloatingIP, name_or_id: str) -> PortForwarding:
        return self.services.port_forwardings.find(fip, name_or_id)

    def create_port_forwarding(self, spec: PortForwardingSpec) -> PortForwarding:
        return self.services.port_forwardings.create(spec)

    def update_port_forwarding(
        self, fip: FloatingIP, port_forwarding_id: str, **changes: Any
    ) -> PortForwarding:
        return self.services.port_forwardings.update(fip, port_forwarding_id, **changes)

    def delete_port_forwarding(self, fip: FloatingIP, port_forwarding_id: str) -> None:
        self.services.port_forwardings.delete(fip, port_forwarding_id)

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
        return self.services.server_listing.find_all(filters)

    def iter_servers(self, filters: ServerFilters | None = None) -> Iterator[Server]:
        # One read of the store reconciled against libvirt at once: nothing to gain by parts.
        return iter(self.servers(filters))

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
        return self.services.consoles.url(server, console_type)

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

    def hypervisors(self, *, detailed: bool = True, matching: str | None = None
                    ) -> list[Hypervisor]:
        return self.services.compute_hosts.hypervisors(detailed=detailed, matching=matching)

    # -- what a server keeps besides its guest: locks, tags, actions, groups, NICs ------

    def lock_server(self, server: Server, *, reason: str | None = None) -> None:
        self.services.server_locks.lock(server, reason=reason)

    def unlock_server(self, server: Server) -> None:
        self.services.server_locks.unlock(server)

    def add_server_tag(self, server: Server, tag: str) -> None:
        self.services.server_tags.add(server, tag)

    def remove_server_tag(self, server: Server, tag: str) -> None:
        self.services.server_tags.remove(server, tag)

    def remove_server_tags(self, server: Server) -> None:
        self.services.server_tags.clear(server)

    def acting_user_name(self) -> str:
        from ostack_cli.backend.models.identity import User

        # The local user is Keystone's bootstrap admin unless a record names it otherwise.
        user = self.store.get(User, self.user_id)
        return user.name if user is not None else "admin"

    def server_actions(
        self, server_id: str, filters: ActionFilters | None = None
    ) -> list[ServerAction]:
        return self.services.server_events.find_all(server_id, filters)

    def server_action(self, server_id: str, request_id: str) -> ServerAction:
        return self.services.server_events.get(server_id, request_id)

    def server_groups(
        self, *, all_projects: bool = False, limit: int | None = None, offset: int | None = None
    ) -> list[ServerGroup]:
        return self.services.server_groups.find_all(
            all_projects=all_projects, limit=limit, offset=offset)

    def find_server_group(self, name_or_id: str) -> ServerGroup:
        return self.services.server_groups.find(name_or_id)

    def create_server_group(
        self, name: str, policy: str, rules: dict[str, Any] | None = None
    ) -> ServerGroup:
        return self.services.server_groups.create(name, policy, rules)

    def delete_server_group(self, group: ServerGroup) -> None:
        self.services.server_groups.delete(group)

    def server_usages(
        self, period: UsagePeriod, *, project_id: str | None = None, limit: int | None = None,
        marker: str | None = None,
    ) -> list[ServerUsage]:
        """Nova's simple tenant usage (local only: ``ostack api`` serves it)."""
        return self.services.server_usages.find(period, project_id=project_id, limit=limit,
                                                marker=marker)

    def project_usages(self, start: datetime, end: datetime) -> list[ProjectUsage]:
        from ostack_cli.backend.local import project_usage

        period = project_usage.usage_period(start, end)
        return project_usage.project_totals(self.server_usages(period), detailed=False)

    def project_usage(self, project_id: str, start: datetime, end: datetime) -> ProjectUsage:
        from ostack_cli.backend.local import project_usage

        period = project_usage.usage_period(start, end)
        found = project_usage.project_totals(
            self.server_usages(period, project_id=project_id), detailed=True)
        return found[0] if found else project_usage.empty_usage()

    def server_interfaces(self, server: Server) -> list[ServerInterface]:
        return self.services.server_nics.find_all(server)

    def attach_server_interface(
        self,
        server: Server,
        *,
        port_id: str | None = None,
        network_id: str | None = None,
        fixed_ip: str | None = None,
        tag: str | None = None,
    ) -> ServerInterface:
        return self.services.server_nics.attach(
            server, port_id=port_id, network_id=network_id, fixed_ip=fixed_ip, tag=tag)

    def detach_server_interface(self, server: Server, port_id: str) -> None:
        self.services.server_nics.detach(server, port_id)

    def remove_fixed_ip_from_server(self, server: Server, address: str) -> None:
        self.services.server_nics.remove_fixed_ip(server, address)

    # -- what touches a guest's disk ---------------------------------------------------

    def shelve_server(self, server: Server) -> None:
        self.services.server_shelving.shelve(server)

    def shelve_offload_server(self, server: Server) -> None:
        self.services.server_shelving.shelve_offload(server)

    def unshelve_server(
        self, server: Server, *, availability_zone: str | Unset | None = UNSET,
        host: str | None = None,
    ) -> None:
        self.services.server_shelving.unshelve(server, availability_zone=availability_zone,
                                               host=host)

    def rescue_server(
        self, server: Server, *, image_id: str | None = None, password: str | None = None
    ) -> None:
        self.services.server_rescue.rescue(server, image_id=image_id, password=password)

    def unrescue_server(self, server: Server) -> None:
        self.services.server_rescue.unrescue(server)

    def rebuild_server(self, server: Server, spec: RebuildSpec) -> Server:
        return self.services.server_rebuild.rebuild(server, spec)

    def resize_server(self, server: Server, flavor_id: str) -> None:
        flavor = self.services.flavors.find(flavor_id)
        self.services.server_resize.resize(server, flavor)

    def confirm_server_resize(self, server: Server) -> None:
        self.services.server_resize.confirm(server)

    def revert_server_resize(self, server: Server) -> None:
        self.services.server_resize.revert(server)

    def create_server_image(
        self, server: Server, name: str, properties: dict[str, str] | None = None
    ) -> Image:
        return self.services.server_snapshots.create_image(server, name, properties or {})

    def backup_server(self, server: Server, name: str, backup_type: str,
                      rotation: int) -> None:
        self.services.server_snapshots.backup(server, name, backup_type, rotation)

    def wait_for_image(
        self, image_id: str, *, callback: Callable[[int], None] | None = None
    ) -> Image:
        return self.services.server_snapshots.wait_for_image(image_id, callback=callback)

    # -- Nova's hosts: services, os-hosts, hypervisor details, aggregates, migrations ---

    def compute_services(self, *, host: str | None = None, binary: str | None = None
                         ) -> list[ComputeService]:
        return self.services.compute_hosts.find_all(host=host, binary=binary)

    def set_compute_service_status(self, service: ComputeService, *, enabled: bool,
                                   disabled_reason: str | None = None) -> None:
        self.services.compute_hosts.update(
            service.id, status="enabled" if enabled else "disabled",
            disabled_reason=disabled_reason)

    def set_compute_service_forced_down(self, service: ComputeService,
                                        forced_down: bool) -> None:
        self.services.compute_hosts.update(service.id, forced_down=forced_down)

    def delete_compute_service(self, service_id: str) -> None:
        self.services.compute_hosts.delete(service_id)

    def host_services(self) -> list[HostService]:
        return self.services.compute_hosts.host_services()

    def host_resources(self, host: str) -> list[HostResource]:
        return self.services.compute_hosts.host_resources(host)

    def set_host(self, host: str, *, enabled: bool | None = None,
                 maintenance: bool | None = None) -> None:
        self.services.compute_hosts.set_host(host, enabled=enabled, maintenance=maintenance)

    def get_hypervisor(self, hypervisor_id: str) -> Hypervisor:
        return self.services.compute_hosts.get_hypervisor(hypervisor_id)

    def hypervisor_statistics(self) -> HypervisorStatistics:
        return self.services.compute_hosts.statistics()

    def resource_providers(self) -> list[ResourceProvider]:
        """Placement's resource providers (``ostack api``'s read-only Placement; the
        caller applies Placement's policy)."""
        from ostack_cli.backend.local.placement import Placement

        return Placement(self.services.compute_hosts).resource_providers()

    def aggregates(self) -> list[Aggregate]:
        return self.services.aggregates.find_all()

    def find_aggregate(self, name_or_id: str) -> Aggregate:
        return self.services.aggregates.find(name_or_id)

    def create_aggregate(self, name: str, availability_zone: str | None = None) -> Aggregate:
        return self.services.aggregates.create(name, availability_zone)

    def update_aggregate(self, aggregate: Aggregate, *, name: str | None = None,
                         availability_zone: str | None = None) -> None:
        self.services.aggregates.update(aggregate, name=name,
                                        availability_zone=availability_zone)

    def set_aggregate_metadata(self, aggregate: Aggregate,
                               metadata: dict[str, str | None]) -> Aggregate:
        return self.services.aggregates.set_metadata(aggregate, metadata)

    def delete_aggregate(self, aggregate: Aggregate) -> None:
        self.services.aggregates.delete(aggregate)

    def add_aggregate_host(self, aggregate: Aggregate, host: str) -> Aggregate:
        return self.services.aggregates.add_host(aggregate, host)

    def remove_aggregate_host(self, aggregate: Aggregate, host: str) -> Aggregate:
        return self.services.aggregates.remove_host(aggregate, host)

    def cache_aggregate_images(self, aggregate: Aggregate, image_ids: list[str]) -> None:
        self.services.aggregates.cache_images(aggregate, image_ids)

    def migrate_server(self, server: Server, *, host: str | None = None) -> None:
        self.services.server_migrations.migrate(server, host=host)

    def live_migrate_server(self, server: Server, *, host: str | None = None,
                            block_migration: bool | str = "auto") -> None:
        # Block or shared storage makes no difference where no host is found.
        self.services.server_migrations.live_migrate(server, host=host)

    def evacuate_server(self, server: Server, *, host: str | None = None,
                        password: str | None = None) -> None:
        self.services.server_migrations.evacuate(server, host=host)

    def migrations(self, filters: MigrationFilters) -> list[Migration]:
        return self.services.migration_records.find_all(filters)

    def server_migrations(self, server: Server) -> list[Migration]:
        return self.services.migration_records.in_progress(server)

    def get_server_migration(self, server: Server, migration_id: str) -> Migration:
        return self.services.migration_records.get(server, migration_id)

    def abort_server_migration(self, server: Server, migration_id: str) -> None:
        self.services.server_migrations.abort(server, migration_id)

    def force_complete_server_migration(self, server: Server, migration_id: str) -> None:
        self.services.server_migrations.force_complete(server, migration_id)

    # -- block storage ----------------------------------------------------------------

    def volumes(self, filters: VolumeFilters | None = None) -> list[Volume]:
        return self.services.volumes.find_all(filters)

    def find_volume(self, name_or_id: str) -> Volume:
        return self.services.volumes.find(name_or_id)

    def get_volume(self, volume_id: str) -> Volume:
        return self.services.volumes.get(volume_id)

    def create_volume(self, spec: VolumeSpec) -> Volume:
        return self.services.volumes.create(spec)

    def update_volume(self, volume: Volume, *, name: str | None = None,
                      description: str | None = None) -> None:
        self.services.volumes.update(volume, name=name, description=description)

    def extend_volume(self, volume: Volume, size: int) -> None:
        self.services.volumes.extend(volume, size)

    def set_volume_metadata(self, volume: Volume, metadata: dict[str, str]) -> None:
        self.services.volumes.set_metadata(volume, metadata)

    def delete_volume_metadata(self, volume: Volume, keys: list[str] | None = None) -> None:
        self.services.volumes.delete_metadata(volume, keys)

    def set_volume_image_metadata(self, volume: Volume, metadata: dict[str, str]) -> None:
        self.services.volumes.set_image_metadata(volume, metadata)

    def delete_volume_image_metadata(self, volume: Volume, keys: list[str]) -> None:
        self.services.volumes.delete_image_metadata(volume, keys)

    def reset_volume_status(self, volume: Volume, *, status: str | None = None,
                            attach_status: str | None = None) -> None:
        self.services.volumes.reset_status(volume, status=status, attach_status=attach_status)

    def set_volume_bootable(self, volume: Volume, bootable: bool) -> None:
        self.services.volumes.set_bootable(volume, bootable)

    def set_volume_readonly(self, volume: Volume, readonly: bool) -> None:
        self.services.volumes.set_readonly(volume, readonly)

    def delete_volume(self, volume: Volume, *, force: bool = False,
                      cascade: bool = False) -> None:
        self.services.volumes.delete(volume, force=force, cascade=cascade)

    def begin_detaching_volume(self, volume: Volume) -> None:
        """Cinder's os-begin_detaching (the API only: not in the backend interface)."""
        self.services.volumes.begin_detaching(volume)

    def roll_detaching_volume(self, volume: Volume) -> None:
        """Cinder's os-roll_detaching (the API only)."""
        self.services.volumes.roll_detaching(volume)

    def retype_volume(self, volume: Volume, volume_type: VolumeType,
                      migration_policy: str = "never") -> None:
        self.services.volumes.retype(volume, volume_type)

    def manage_volume(self, spec: VolumeSpec, *, host: str | None, cluster: str | None,
                      ref: dict[str, str], bootable: bool | None) -> Volume:
        return self.services.volumes.manage(host=host, cluster=cluster, ref=ref,
                                            bootable=bootable)

    def unmanage_volume(self, volume: Volume) -> None:
        self.services.volumes.unmanage(volume)

    def wait_for_volume(self, volume: Volume, *, statuses: tuple[str, ...] = ("available",),
                        failures: tuple[str, ...] = ("error",),
                        timeout: float | None = None,
                        callback: Callable[[int], None] | None = None) -> Volume:
        return self.services.volumes.wait(volume, statuses=statuses, failures=failures,
                                          timeout=timeout, callback=callback)

    def upload_volume_to_image(self, volume: Volume, upload: ImageUpload) -> dict[str, Any]:
        return self.services.volumes.upload_to_image(volume, upload)

    def volume_snapshots(self, filters: SnapshotFilters | None = None) -> list[VolumeSnapshot]:
        return self.services.volume_snapshots.find_all(filters)

    def find_volume_snapshot(self, name_or_id: str) -> VolumeSnapshot:
        return self.services.volume_snapshots.find(name_or_id)

    def create_volume_snapshot(
        self, volume: Volume, *, name: str, description: str | None = None,
        metadata: dict[str, str] | None = None, force: bool = False,
    ) -> VolumeSnapshot:
        # openstacksdk asks at 3.65 (no in-use snapshots without force), and the real client
        # sends no force to a Cinder of 3.66 or later, which the local one is.
        return self.services.volume_snapshots.create(
            volume, name=name, description=description, metadata=metadata)

    def update_volume_snapshot(self, snapshot: VolumeSnapshot, *, name: str | None = None,
                               description: str | None = None) -> None:
        self.services.volume_snapshots.update(snapshot, name=name, description=description)

    def set_volume_snapshot_metadata(self, snapshot: VolumeSnapshot,
                                     metadata: dict[str, str]) -> None:
        self.services.volume_snapshots.set_metadata(snapshot, metadata)

    def delete_volume_snapshot_metadata(self, snapshot: VolumeSnapshot,
                                        keys: list[str]) -> None:
        self.services.volume_snapshots.delete_metadata(snapshot, keys)

    def reset_volume_snapshot_status(self, snapshot: VolumeSnapshot, status: str) -> None:
        self.services.volume_snapshots.reset_status(snapshot, status)

    def delete_volume_snapshot(self, snapshot: VolumeSnapshot, *, force: bool = False) -> None:
        self.services.volume_snapshots.delete(snapshot, force=force)

    def manage_volume_snapshot(
        self, volume: Volume, *, ref: dict[str, str], name: str,
        description: str | None = None, metadata: dict[str, str] | None = None,
    ) -> VolumeSnapshot:
        return self.services.volume_snapshots.manage(volume, ref)

    def unmanage_volume_snapshot(self, snapshot: VolumeSnapshot) -> None:
        self.services.volume_snapshots.unmanage(snapshot)

    # -- volume backups -------------------------------------------------------------------

    def volume_backups(self, filters: BackupFilters | None = None) -> list[VolumeBackup]:
        return self.services.volume_backups.find_all(filters)

    def find_volume_backup(self, name_or_id: str) -> VolumeBackup:
        return self.services.volume_backups.find(name_or_id)

    def create_volume_backup(
        self, volume: Volume, *, name: str | None = None, description: str | None = None,
        container: str | None = None, snapshot: VolumeSnapshot | None = None,
        force: bool = False, incremental: bool = False,
        metadata: dict[str, str] | None = None, availability_zone: str | None = None,
    ) -> VolumeBackup:
        return self.services.volume_backups.create(
            volume, name=name, description=description, container=container,
            snapshot=snapshot, force=force, incremental=incremental, metadata=metadata,
            availability_zone=availability_zone)

    def update_volume_backup(self, backup: VolumeBackup, *, name: str | None = None,
                             description: str | None = None,
                             metadata: dict[str, str] | None = None) -> None:
        self.services.volume_backups.update(backup, name=name, description=description,
                                            metadata=metadata)

    def delete_volume_backup_metadata(self, backup: VolumeBackup, keys: list[str]) -> None:
        self.services.volume_backups.delete_metadata(backup, keys)

    def reset_volume_backup_status(self, backup: VolumeBackup, status: str) -> None:
        self.services.volume_backups.reset_status(backup, status)

    def delete_volume_backup(self, backup: VolumeBackup, *, force: bool = False) -> None:
        self.services.volume_backups.delete(backup, force=force)

    def restore_volume_backup(self, backup: VolumeBackup, *, volume_id: str | None = None,
                              name: str | None = None) -> BackupRestore:
        return self.services.volume_backups.restore(backup, volume_id=volume_id, name=name)

    # -- volume transfers and Cinder's services ------------------------------------------

    def volume_transfers(self, *, all_projects: bool = False) -> list[VolumeTransfer]:
        return self.services.volume_transfers.find_all(all_projects=all_projects)

    def find_volume_transfer(self, name_or_id: str) -> VolumeTransfer:
        return self.services.volume_transfers.find(name_or_id)

    def create_volume_transfer(self, volume: Volume, *, name: str | None = None,
                               no_snapshots: bool | None = None) -> VolumeTransfer:
        return self.services.volume_transfers.create(volume.id, name=name,
                                                     no_snapshots=bool(no_snapshots))

    def delete_volume_transfer(self, transfer_id: str) -> None:
        self.services.volume_transfers.delete(transfer_id)

    def accept_volume_transfer(self, transfer_id: str, auth_key: str) -> VolumeTransfer:
        return self.services.volume_transfers.accept(transfer_id, auth_key)

    def volume_services(self, *, host: str | None = None, binary: str | None = None,
                        backend_state: bool = False) -> list[VolumeService]:
        return self.services.volume_services.find_all(host=host, binary=binary,
                                                      backend_state=backend_state)

    def volume_types(self, *, default: bool = False,
                     is_public: bool | None = None) -> list[VolumeType]:
        return self.services.volume_types.find_all(default=default, is_public=is_public)

    def find_volume_type(self, name_or_id: str) -> VolumeType:
        return self.services.volume_types.find(name_or_id)

    def volume_type_encryption(self, volume_type: VolumeType) -> dict[str, Any] | None:
        return self.services.volume_types.encryption(volume_type)

    def server_volumes(self, server: Server) -> list[VolumeAttachment]:
        return self.services.volume_attachments.find_all(server)

    def attach_server_volume(
        self, server: Server, volume: Volume, *, device: str | None = None,
        tag: str | None = None, delete_on_termination: bool | None = None,
    ) -> VolumeAttachment:
        return self.services.volume_attachments.attach(
            server, volume, device=device, tag=tag,
            delete_on_termination=delete_on_termination)

    def detach_server_volume(self, server: Server, volume: Volume) -> None:
        self.services.volume_attachments.detach(server, volume)

    def volume_attachments(self, *, all_projects: bool = False,
                           project_id: str | None = None) -> list[VolumeAttachment]:
        return self.services.cinder_attachments.find_all(all_projects=all_projects,
                                                         project_id=project_id)

    def get_volume_attachment(self, attachment_id: str) -> VolumeAttachment:
        return self.services.cinder_attachments.get(attachment_id)

    def create_volume_attachment(
        self, volume_id: str, *, instance_id: str | None = None,
        connector: dict[str, Any] | None = None, mode: str | None = None,
    ) -> VolumeAttachment:
        return self.services.cinder_attachments.create(
            volume_id, instance_id=instance_id, connector=connector, mode=mode)

    def update_volume_attachment(self, attachment_id: str,
                                 connector: dict[str, Any]) -> VolumeAttachment:
        return self.services.cinder_attachments.update(attachment_id, connector)

    def complete_volume_attachment(self, attachment_id: str) -> None:
        self.services.cinder_attachments.complete(attachment_id)

    def delete_volume_attachment(self, attachment_id: str) -> list[VolumeAttachment]:
        return self.services.cinder_attachments.delete(attachment_id)

    def reserve_volume(self, volume_id: str) -> None:
        self.services.cinder_attachments.reserve(volume_id)

    def unreserve_volume(self, volume_id: str) -> None:
        self.services.cinder_attachments.unreserve(volume_id)

    def attach_volume_record(self, volume_id: str, *, instance_id: str | None,
                             host_name: str | None, mountpoint: str, mode: str) -> None:
        self.services.cinder_attachments.attach(
            volume_id, instance_id=instance_id, host_name=host_name, mountpoint=mountpoint,
            mode=mode)

    def detach_volume_record(self, volume_id: str, attachment_id: str | None) -> None:
        self.services.cinder_attachments.detach(volume_id, attachment_id)

    # -- the host ---------------------------------------------------------------------

    def sync_host(self) -> list[str]:
        # Nova's services start again with the host: a deleted one registers anew.
        self.services.compute_hosts.register()
        return self.services.host_sync.sync_all()

    def sweep_orphans(self, *, dry_run: bool = False) -> tuple[list[str], list[str], list[str]]:
        import os

        from ostack_cli.backend.local import orphans
        from ostack_cli.backend.local.host import TAG_SETTING
        from ostack_cli.errors import BackendUnavailable

        host = self.context.host
        if host.is_test_driver:
            return [], [], []  # no host is driven: nothing of any store's is on it
        if os.geteuid() != 0:
            raise BackendUnavailable(
                "'host sync --orphans' sees and removes host objects: it needs root.")
        own = self.context.store.get_setting(TAG_SETTING)
        result = orphans.sweep(lambda: host.hypervisor, keep={own} if own else set(),
                               dry_run=dry_run)
        return orphans.report(result, dry_run=dry_run)


def seed(store: Store) -> str:
    """Put a fresh store's defaults in place, once; returns the local user's ID."""
    user_id = store.get_setting("user_id")
    if (user_id is not None and store.get_setting(IDENTITY_SEEDED_SETTING) is not None
            and store.get_setting(RBAC_SEEDED_SETTING) is not None):
        return user_id
    # Only a fresh store needs these (imported here: most commands never do).
    from ostack_cli.backend.local.authn import seed_identity
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
        # Keystone's bootstrap (roles, the admin user and its assignments), also for stores
        # seeded before users and roles existed; set last, so it marks a complete seed.
        if store.get_setting(IDENTITY_SEEDED_SETTING) is None:
            seed_identity(store, user_id)
            store.set_setting(IDENTITY_SEEDED_SETTING, "1")
        # Networks shared or external before RBAC policies existed get the '*' policies
        # those flags stand for (so they can be listed, and deleted to unshare).
        if store.get_setting(RBAC_SEEDED_SETTING) is None:
            from ostack_cli.backend.local.rbac_records import adopt_network_flags

            adopt_network_flags(store)
            store.set_setting(RBAC_SEEDED_SETTING, "1")
    return user_id


def _is_admin_project(store: Store, user_id: str, project_id: str) -> bool:
    """Whether the user holds the admin role (or one implying it) on the project: Keystone's
    bootstrap gives the local admin that role on the ``admin`` project only."""
    from ostack_cli.backend.local.grants import ADMIN_ROLE, effective_role_names
    from ostack_cli.backend.models.identity import Project

    project = store.get(Project, project_id)
    return project is not None and ADMIN_ROLE in effective_role_names(store, user_id, project)


__all__ = ["LocalBackend", "seed"]
