"""What the local backend says about itself, as the OpenStack services it stands in for would:
API versions, extensions, limits, availability zones, quota sets and its configuration.

The local "cloud" is one region, ``RegionOne``, with block storage, compute, identity, image
and network services, on one host, ``localhost`` (the host its servers and port bindings
name), in zone ``nova``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ostack_cli.backend.local.api_extensions import (
    NEUTRON_EXTENSIONS,
    NOVA_EXTENSIONS,
    NOVA_NAMESPACE,
    NOVA_UPDATED,
)
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.host import VIRT_TYPE_SETTING
from ostack_cli.backend.local.identity import Identity
from ostack_cli.backend.local.policy import require_keystone_admin, require_nova_admin
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.models.compute_host import INTERNAL_ZONE
from ostack_cli.backend.models.discovery import (
    ApiVersion,
    AvailabilityZone,
    ClientConfiguration,
    Extension,
    Limits,
    ProjectQuotaSet,
    ServiceState,
)
from ostack_cli.backend.models.identity import Project, User
from ostack_cli.backend.models.server import (
    COMPUTE_QUOTA_ATTRS,
    NETWORK_QUOTA_ATTRS,
    VOLUME_QUOTA_ATTRS,
)
from ostack_cli.errors import (
    CommandError,
    Forbidden,
    NotFound,
    not_found,
    service_not_in_catalog,
)

if TYPE_CHECKING:
    from ostack_cli.backend.local.compute_hosts import ComputeHosts
    from ostack_cli.backend.local.volume_quotas import VolumeQuotas

REGION = "RegionOne"
# The local services are reached in-process, not over HTTP: one endpoint per service, on the
# interface clients use by default, whose URL says so.
INTERFACE = "public"
ZONE = "nova"

# Nova's v2.1 API. The highest microversion is the newest whose answers the local backend
# gives: ``server show`` has Nova's fields of 2.100 (``pinned_availability_zone`` from 2.96,
# ``scheduler_hints`` from 2.100; 2.100 is also the most openstacksdk 4.22 asks servers for),
# while flavors still carry ``rxtx_factor`` and ``OS-FLV-DISABLED:disabled``, which 2.102
# removes, and 2.101 changes how volumes attach, which needs a block-storage service.
COMPUTE_MIN_MICROVERSION = "2.1"
COMPUTE_MAX_MICROVERSION = "2.100"
# Glance's version list for a deployment like the local one (a single store, no image cache:
# ``glance/api/versions.py`` then lists 2.0-2.7, 2.9, 2.15 and 2.17, 2.17 current), in the
# order keystoneauth sorts them.
IMAGE_VERSIONS = ("2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.9", "2.15", "2.17")
# Cinder's v3 API (Cinder 29): the local block storage answers as its 3.71 does.
BLOCK_STORAGE_MIN_MICROVERSION = "3.0"
BLOCK_STORAGE_MAX_MICROVERSION = "3.71"
# The other names keystoneauth finds block storage under (os-service-types' aliases).
SERVICE_ALIASES = {"volume": "block-storage", "volumev3": "block-storage",
                   "volumev2": "block-storage", "block-store": "block-storage"}
# Keystone's current v3 minor version (Keystone 30 serves 3.14).
IDENTITY_VERSION = "3.14"


def _versions() -> list[ApiVersion]:
    """The local services' versions, by service type (the local catalog's order)."""

    def version(service: str, path: str, number: str, status: str = "CURRENT",
                microversions: tuple[str, str] | tuple[None, None] = (None, None)) -> ApiVersion:
        return ApiVersion(
            region_name=REGION, interface=INTERFACE, service_type=service, version=number,
            status=status, endpoint=f"local://{service}/{path}", min_microversion=microversions[0],
            max_microversion=microversions[1],
        )

    return [
        version("block-storage", "v3/", "3.0",
                microversions=(BLOCK_STORAGE_MIN_MICROVERSION, BLOCK_STORAGE_MAX_MICROVERSION)),
        version("compute", "v2.1/", "2.1",
                microversions=(COMPUTE_MIN_MICROVERSION, COMPUTE_MAX_MICROVERSION)),
        version("identity", "v3/", IDENTITY_VERSION),
        *(version("image", "v2/", number, "CURRENT" if number == IMAGE_VERSIONS[-1]
                  else "SUPPORTED") for number in IMAGE_VERSIONS),
        version("network", "v2.0/", "2.0"),
    ]


def _network_extensions() -> list[Extension]:
    return [Extension(name=name, alias=alias, description=description, updated_at=updated)
            for name, alias, description, updated in NEUTRON_EXTENSIONS]


class Discovery:
    def __init__(self, context: ServiceContext, *, quotas: Quotas, identity: Identity,
                 compute_hosts: Callable[[], ComputeHosts],
                 volume_quotas: Callable[[], VolumeQuotas] | None = None) -> None:
        self.context = context
        # Cinder's quotas (its limits and quota sets), built on first use.
        self.volume_quotas = volume_quotas
        self.store = context.store
        self.quotas = quotas
        self.identity = identity
        # Built on first use: only the compute zones need Nova's services.
        self.compute_hosts = compute_hosts

    def api_versions(
        self,
        *,
        service_type: str | None = None,
        interface: str | None = INTERFACE,
        region_name: str | None = None,
    ) -> list[ApiVersion]:
        if service_type is not None:
            service_type = SERVICE_ALIASES.get(service_type, service_type)
        return [
            v for v in _versions()
            if (service_type is None or v.service_type == service_type)
            and (interface is None or v.interface == interface)
            and (region_name is None or v.region_name == region_name)
        ]

    def extensions(self, service: str) -> list[Extension]:
        if service == "compute":
            return [Extension(name=name, alias=alias, description=description,
                              updated_at=NOVA_UPDATED, namespace=NOVA_NAMESPACE)
                    for name, alias, description in NOVA_EXTENSIONS]
        if service == "network":
            return _network_extensions()
        if service == "volume":
            from ostack_cli.backend.local.cinder_extensions import CINDER_EXTENSIONS

            return [Extension(name=name, alias=alias, description=description,
                              updated_at=updated)
                    for name, alias, description, updated in CINDER_EXTENSIONS]
        raise service_not_in_catalog(_catalog_type(service))

    def find_extension(self, name_or_alias: str) -> Extension:
        extensions = _network_extensions()
        for extension in extensions:
            if extension.alias == name_or_alias:
                return extension
        for extension in extensions:
            if extension.name == name_or_alias:
                return extension
        raise not_found("Extension", name_or_alias)

    def service_limits(self, project_id: str | None, *, reserved: bool = False) -> Limits:
        # Nova's absolute limits at microversion 2.1 (what openstacksdk asks for), under both of
        # openstacksdk's names. Reservations are always 0 since Nova counts usage (Pike), so
        # ``reserved`` changes nothing; Nova's network limits are -1 (unlimited) with nothing
        # used since nova-network is gone; server groups are counted as their quota is.
        project = project_id or self.context.project_id
        if project != self.context.project_id:
            require_nova_admin(self.context, "os_compute_api:limits:other_project")
        limits = self.quotas.limits(project)
        usage = self.quotas.usage(project)
        values = {
            ("image_meta", "max_image_meta"): limits["properties"],
            ("personality",): limits["injected-files"],
            ("personality_size",): limits["injected-file-size"],
            ("security_group_rules", "max_security_group_rules"): -1,
            ("security_groups", "max_security_groups"): -1,
            ("security_groups_used", "total_security_groups_used"): 0,
            ("server_meta", "max_server_meta"): limits["properties"],
            ("total_cores", "max_total_cores"): limits["cores"],
            ("total_cores_used",): usage["cores"],
            ("floating_ips", "max_total_floating_ips"): -1,
            ("floating_ips_used", "total_floating_ips_used"): 0,
            ("instances", "max_total_instances"): limits["instances"],
            ("instances_used", "total_instances_used"): usage["instances"],
            ("keypairs", "max_total_keypairs"): limits["key-pairs"],
            ("total_ram", "max_total_ram_size"): limits["ram"],
            ("total_ram_used",): usage["ram"],
            ("server_groups", "max_server_groups"): limits["server-groups"],
            ("server_groups_used", "total_server_groups_used"): usage["server-groups"],
            ("server_group_members", "max_server_group_members"): limits["server-group-members"],
        }
        absolute = {name: value for names, value in values.items() for name in names}
        if self.volume_quotas is not None:
            absolute.update(self._cinder_limits(project))
        return Limits(absolute=absolute)

    def _cinder_limits(self, project: str) -> dict[str, int]:
        """Cinder's absolute limits (os-used-limits), under openstacksdk's names."""
        assert self.volume_quotas is not None
        quotas = self.volume_quotas()
        limits, used = quotas.limits(project), quotas.usage(project)
        return {
            "max_total_backup_gigabytes": limits["backup_gigabytes"],
            "max_total_backups": limits["backups"],
            "max_total_snapshots": limits["snapshots"],
            "max_total_volume_gigabytes": limits["gigabytes"],
            "max_total_volumes": limits["volumes"],
            "total_backup_gigabytes_used": used["backup_gigabytes"],
            "total_backups_used": used["backups"],
            "total_gigabytes_used": used["gigabytes"],
            "total_snapshots_used": used["snapshots"],
            "total_volumes_used": used["volumes"],
        }

    def find_project_id(self, name_or_id: str, *, domain: str | None = None) -> str:
        # osc's find_project_id_sdk over Keystone's policy: what the user may not look up is
        # taken as given (a member's own project by ID is found; any name is not).
        if domain is None:
            return _id_or_name(self.identity.find_project, name_or_id)
        domain_id = _id_or_name(self.identity.find_domain, domain)
        return _id_or_name(
            lambda name: self.identity.find_project(name, domain_id=domain_id), name_or_id
        )

    def availability_zones(self, service: str, *, details: bool = False) -> list[AvailabilityZone]:
        if service == "compute":
            return self._compute_zones(details)
        if service == "network":
            # Neutron's zones come from its agents: the DHCP servers and routers this host runs
            # stand for a DHCP agent (zone resource "network") and an L3 agent ("router").
            return [AvailabilityZone(name=ZONE, available=True, resource="network"),
                    AvailabilityZone(name=ZONE, available=True, resource="router")]
        if service == "volume" and self.volume_quotas is not None:
            return [AvailabilityZone(name=ZONE, available=True)]  # the one cinder-volume's
        raise service_not_in_catalog(_catalog_type(service))

    def _compute_zones(self, details: bool) -> list[AvailabilityZone]:
        """Nova's zones of its services (nova/api/openstack/compute/availability_zone.py):
        the plain list hides ``internal``; the detailed one (for admins,
        os_compute_api:os-availability-zone:detail; a member gets the plain one, as the
        real client does when refused) has the enabled services of each available zone."""
        from ostack_cli.backend.local.compute_hosts import zones

        services = self.compute_hosts().services()
        available, unavailable = zones(services)
        if not (details and self.context.is_admin):
            return [AvailabilityZone(name=zone, available=ok)
                    for names, ok in ((available, True), (unavailable, False))
                    for zone in names if zone != INTERNAL_ZONE]
        found = []
        for zone in available:
            hosts: dict[str, dict[str, ServiceState]] = {}
            for service in services:
                if service.zone == zone and service.status == "enabled":
                    hosts.setdefault(service.host, {})[service.binary] = ServiceState(
                        active=True, available=service.state == "up",
                        updated_at=service.updated_at)
            found.append(AvailabilityZone(name=zone, available=True, hosts=hosts))
        found += [AvailabilityZone(name=zone, available=False) for zone in unavailable]
        return found

    def project_quota_sets(self, service: str) -> list[ProjectQuotaSet]:
        attrs = {"compute": COMPUTE_QUOTA_ATTRS, "network": NETWORK_QUOTA_ATTRS}.get(service)
        # The real client lists every project, which Keystone allows admins only.
        require_keystone_admin(self.context, "identity:list_projects")
        projects = self.identity.find_all_projects()
        if service == "volume" and self.volume_quotas is not None:
            cinder = self.volume_quotas()
            return [ProjectQuotaSet(
                project_id=project.id,
                limits={a: cinder.limits(project.id)[a] for a in VOLUME_QUOTA_ATTRS},
                defaults={a: cinder.limits(project.id, defaults=True)[a]
                          for a in VOLUME_QUOTA_ATTRS},
            ) for project in projects]
        if attrs is None:
            if projects:
                raise service_not_in_catalog(_catalog_type(service))
            return []
        sets = []
        for project in projects:
            limits = self.quotas.limits(project.id)
            defaults = self.quotas.limits(project.id, defaults=True)
            sets.append(ProjectQuotaSet(
                project_id=project.id,
                limits={attr: limits[name] for attr, name in attrs.items()},
                defaults={attr: defaults[name] for attr, name in attrs.items()},
            ))
        return sets

    def client_configuration(self) -> ClientConfiguration:
        host = self.context.host
        project = self.store.get(Project, self.context.project_id)
        user = self.store.get(User, self.context.user_id)
        settings = host.settings
        return ClientConfiguration(values={
            "ostack_backend": "local",
            "region_name": REGION,
            "interface": INTERFACE,
            "auth": {
                "project_id": self.context.project_id,
                "project_name": project.name if project is not None else None,
                "user_id": self.context.user_id,
                "username": user.name if user is not None else None,
            },
            "state_dir": str(self.context.state_dir),
            # The setting, else the probe's cached verdict (None: not probed yet).
            "compute.virt_type": settings.virt_type or self.store.get_setting(VIRT_TYPE_SETTING),
            "compute.libvirt_uri": settings.libvirt_uri,
            "compute.shutdown_timeout": settings.shutdown_timeout,
            "network.uplink_interface": settings.uplink_interface,
            "network.host_access": settings.host_access,
        })


def _id_or_name(find: Callable[[str], Any], name_or_id: str) -> str:
    """osc's ``_find_sdk_id``: the ID; the name itself when the policy keeps the user from
    looking it up; an empty error when there is none."""
    try:
        return str(find(name_or_id).id)
    except Forbidden:
        return name_or_id
    except NotFound:
        raise CommandError("") from None


def _catalog_type(service: str) -> str:
    """The catalog type openstacksdk names a service by in its "not in the catalog" error."""
    return {"volume": "block-storage", "share": "shared-file-system"}.get(service, service)

