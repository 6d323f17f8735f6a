"""What a cloud says about itself, asked as python-openstackclient 10.5 asks it: keystoneauth's
version discovery, the services' extension, limit and availability-zone lists, every
project's quota sets, and the configuration openstacksdk was given."""

from __future__ import annotations

import copy
from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack import utils as sdk_utils
from openstack.identity.v3 import _proxy as identity_v3

from ostack_cli.backend.cloud.base import LOG, CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.models.discovery import (
    ApiVersion,
    AvailabilityZone,
    ClientConfiguration,
    Extension,
    Limits,
    ProjectQuotaSet,
    RateLimit,
    ServiceState,
)
from ostack_cli.backend.models.server import (
    COMPUTE_QUOTA_ATTRS,
    NETWORK_QUOTA_ATTRS,
    VOLUME_QUOTA_ATTRS,
)
from ostack_cli.errors import CommandError

# The catalog types under which the real client finds compute and block storage (osc's
# ``is_compute_endpoint_enabled`` and ``is_volume_endpoint_enabled``).
COMPUTE_TYPES = ("compute",)
BLOCK_STORAGE_TYPES = ("block-storage", "volume", "volumev3", "volumev2", "block-store")
# What openstacksdk's limits resources hold besides limits (the real client drops them).
NOT_LIMITS = frozenset({"id", "name", "location"})
# ``configuration show`` runs without authenticating, so the real client masks its default
# list of secrets rather than its auth plugin's (osc's ShowConfiguration).
SECRET_NAMES = ("password", "token")


def _extension(item: Any) -> Extension:
    # The real client reads each column with a default of "" (osc-lib get_item_properties).
    return Extension(
        name=getattr(item, "name", ""),
        alias=getattr(item, "alias", ""),
        description=getattr(item, "description", ""),
        updated_at=getattr(item, "updated_at", ""),
        namespace=getattr(item, "namespace", ""),
        links=getattr(item, "links", ""),
    )


def _absolute(limits: Any) -> dict[str, Any]:
    """Every name openstacksdk has for each absolute limit (``instances`` and
    ``max_total_instances``), as the real client iterates the resource."""
    return {key: limits[key] for key in set(limits) if key not in NOT_LIMITS}


def _rate(limits: Any) -> list[RateLimit]:
    rates = []
    for group in limits or []:
        for limit in group.limits or []:
            rates.append(RateLimit(
                verb=limit.verb, uri=group.uri, value=limit.value, remaining=limit.remaining,
                unit=limit.unit, next_available=limit.next_available,
            ))
    return rates


def _compute_zone(zone: Any) -> AvailabilityZone:
    hosts = {
        host: {name: ServiceState(active=bool(state["active"]), available=bool(state["available"]),
                                  updated_at=state["updated_at"])
               for name, state in services.items()}
        for host, services in (zone.hosts or {}).items()
    }
    return AvailabilityZone(name=zone.name, available=bool(zone.state["available"]),
                            hosts=hosts or None)


@translate_errors
class CloudDiscovery(CloudBase):
    @property
    def _identity_v3(self) -> identity_v3.Proxy:
        return sdk_utils.ensure_service_version(self.conn.identity, "3")

    def _in_catalog(self, service_types: tuple[str, ...]) -> bool:
        """osc's ``is_service_available``: a service is there unless the catalog says not."""
        session = self.conn.session
        if session.auth is None or not hasattr(session.auth, "get_access"):
            return True
        catalog = session.auth.get_access(session).service_catalog
        if not catalog:
            return True
        region = self.conn.config.get_region_name()
        interface = self.conn.config.get_interface() or "public"
        return any(
            kind in catalog.get_endpoints(service_type=kind, region_name=region,
                                          interface=interface)
            for kind in service_types
        )

    def api_versions(
        self,
        *,
        service_type: str | None = None,
        interface: str | None = "public",
        region_name: str | None = None,
    ) -> list[ApiVersion]:
        data = self.conn.session.get_all_version_data(
            interface=interface, region_name=region_name, service_type=service_type
        )
        return [
            ApiVersion(
                region_name=region, interface=endpoint_interface, service_type=kind,
                version=version["version"], status=version["status"],
                endpoint=version["url"], min_microversion=version["min_microversion"],
                max_microversion=version["max_microversion"],
            )
            for region, interfaces in data.items()
            for endpoint_interface, services in interfaces.items()
            for kind, versions in services.items()
            for version in versions
        ]

    def extensions(self, service: str) -> list[Extension]:
        proxies: dict[str, Any] = {"compute": self.conn.compute, "network": self.conn.network,
                                   "volume": self.conn.block_storage}
        return [_extension(item) for item in proxies[service].extensions()]

    def find_extension(self, name_or_alias: str) -> Extension:
        return _extension(self.conn.network.find_extension(name_or_alias, ignore_missing=False))

    def service_limits(self, project_id: str | None, *, reserved: bool = False) -> Limits:
        compute = volume = None
        if self._in_catalog(COMPUTE_TYPES):
            compute = self.conn.compute.get_limits(reserved=reserved, tenant_id=project_id)
        if self._in_catalog(BLOCK_STORAGE_TYPES):
            volume = self.conn.block_storage.get_limits(project=project_id)
        absolute: dict[str, Any] = {}
        rate: list[RateLimit] = []
        for limits in (compute, volume):
            if limits:
                absolute.update(_absolute(limits.absolute))
                rate += _rate(limits.rate)
        return Limits(absolute=absolute, rate=rate)

    def find_project_id(self, name_or_id: str, *, domain: str | None = None) -> str:
        identity = self._identity_v3
        query: dict[str, Any] = {}
        if domain is not None:
            query["domain_id"] = _id_or_name(identity.find_domain, domain)
        return _id_or_name(identity.find_project, name_or_id, **query)

    def availability_zones(self, service: str, *, details: bool = False) -> list[AvailabilityZone]:
        if service == "compute":
            compute = self.conn.compute
            try:
                zones = list(compute.availability_zones(details=details))
            except sdk_exceptions.ForbiddenException:  # the policy keeps the hosts from us
                zones = list(compute.availability_zones(details=False))
            return [_compute_zone(zone) for zone in zones]
        if service == "network":
            network = self.conn.network
            # The real client looks for the extension first; without it, there is no list.
            network.find_extension("Availability Zone", ignore_missing=False)
            return [AvailabilityZone(name=zone.name, available=zone.state != "unavailable",
                                     resource=zone.resource)
                    for zone in network.availability_zones()]
        if service == "volume":
            block_storage = sdk_utils.ensure_service_version(self.conn.block_storage, "3")
            return [AvailabilityZone(name=zone.name, available=bool(zone.state["available"]))
                    for zone in block_storage.availability_zones()]
        # Manila has no zone states: every zone is available.
        return [AvailabilityZone(name=zone.name, available=True)
                for zone in self.conn.share.availability_zones()]

    def project_quota_sets(self, service: str) -> list[ProjectQuotaSet]:
        project_ids = [project.id for project in self._identity_v3.projects()]
        if service == "compute":
            compute = self.conn.compute
            # Nova answers 400 for a project ID it finds invalid (osc's note).
            return self._quota_sets(
                project_ids, COMPUTE_QUOTA_ATTRS, compute.get_quota_set,
                compute.get_quota_set_defaults, missing=(sdk_exceptions.BadRequestException,),
            )
        if service == "volume":
            block_storage = self.conn.block_storage
            return self._quota_sets(project_ids, VOLUME_QUOTA_ATTRS, block_storage.get_quota_set,
                                    block_storage.get_quota_set_defaults)
        network = self.conn.network
        return self._quota_sets(project_ids, NETWORK_QUOTA_ATTRS, network.get_quota,
                                network.get_quota_default)

    def _quota_sets(
        self,
        project_ids: list[str],
        attrs: dict[str, str],
        get: Any,
        get_defaults: Any,
        *,
        missing: tuple[type[Exception], ...] = (),
    ) -> list[ProjectQuotaSet]:
        skipped: tuple[type[Exception], ...] = (
            *missing, sdk_exceptions.ForbiddenException, sdk_exceptions.NotFoundException)
        sets = []
        for project_id in project_ids:
            try:
                quota = get(project_id)
            except skipped as exc:
                # As the real client: a project the service does not know is skipped.
                LOG.warning("Project %s not found: %s", project_id, exc)
                continue
            defaults = get_defaults(project_id)
            sets.append(ProjectQuotaSet(
                project_id=project_id,
                limits={attr: getattr(quota, attr, "") for attr in attrs},
                defaults={attr: getattr(defaults, attr, "") for attr in attrs},
            ))
        return sets

    def client_configuration(self) -> ClientConfiguration:
        return ClientConfiguration(values=copy.deepcopy(self.conn.config.config),
                                   secret_names=SECRET_NAMES)


def _id_or_name(find: Any, name_or_id: str, **query: Any) -> str:
    """osc's ``_find_sdk_id``: the resource's ID; the name itself when the user may not look
    it up; an empty error when there is none."""
    try:
        return str(find(name_or_id, ignore_missing=False, **query).id)
    except sdk_exceptions.ForbiddenException:
        return name_or_id
    except sdk_exceptions.ResourceNotFound:
        raise CommandError("") from None

