"""Nova's hosts through openstacksdk: compute services, the deprecated os-hosts API (raw
requests at microversion 2.1, as the real client makes them: openstacksdk has no proxy
calls for it), hypervisor details and totals, host aggregates."""

from __future__ import annotations

import dataclasses
from typing import Any

from openstack import exceptions as sdk_exceptions
from openstack.compute.v2 import aggregate as sdk_aggregate
from openstack.compute.v2 import service as sdk_service

from ostack_cli.backend.cloud.base import CloudBase
from ostack_cli.backend.cloud.errors import translate_errors
from ostack_cli.backend.cloud.server import hypervisor_from_sdk
from ostack_cli.backend.models.compute_host import (
    Aggregate,
    ComputeService,
    HostResource,
    HostService,
    HypervisorStatistics,
)
from ostack_cli.backend.models.server import Hypervisor


def service_from_sdk(service: sdk_service.Service) -> ComputeService:
    return ComputeService(
        id=str(service.id),
        binary=service.binary or "",
        host=service.host or "",
        zone=service.availability_zone or "",
        status=service.status or "",
        state=service.state or "",
        updated_at=service.updated_at,
        disabled_reason=service.disabled_reason,
        forced_down=bool(service.is_forced_down),
    )


def aggregate_from_sdk(aggregate: sdk_aggregate.Aggregate) -> Aggregate:
    return Aggregate(
        id=str(aggregate.id),
        name=aggregate.name or "",
        uuid=aggregate.uuid,
        availability_zone=aggregate.availability_zone,
        metadata=dict(aggregate.metadata or {}),
        hosts=list(aggregate.hosts or []),
        created_at=aggregate.created_at or "",
        updated_at=aggregate.updated_at,
    )


@translate_errors
class CloudComputeHosts(CloudBase):
    # -- compute services -------------------------------------------------------------

    def compute_services(self, *, host: str | None = None, binary: str | None = None
                         ) -> list[ComputeService]:
        return [service_from_sdk(s)
                for s in self.conn.compute.services(host=host, binary=binary)]

    def set_compute_service_status(self, service: ComputeService, *, enabled: bool,
                                   disabled_reason: str | None = None) -> None:
        # As the real client: by ID (2.53+), host and binary for older clouds.
        if enabled:
            self.conn.compute.enable_service(service.id, service.host, service.binary)
        else:
            self.conn.compute.disable_service(service.id, service.host, service.binary,
                                              disabled_reason)

    def set_compute_service_forced_down(self, service: ComputeService,
                                        forced_down: bool) -> None:
        self.conn.compute.update_service_forced_down(service.id, service.host,
                                                     service.binary, forced_down)

    def delete_compute_service(self, service_id: str) -> None:
        self.conn.compute.delete_service(service_id, ignore_missing=False)

    # -- os-hosts ---------------------------------------------------------------------

    def host_services(self) -> list[HostService]:
        hosts = self._hosts_api("get", "/os-hosts").get("hosts") or []
        return [HostService(host_name=h.get("host_name"), service=h.get("service"),
                            zone=h.get("zone")) for h in hosts]

    def host_resources(self, host: str) -> list[HostResource]:
        found = self._hosts_api("get", f"/os-hosts/{host}").get("host") or []
        rows = [entry["resource"] for entry in found]
        return [HostResource(host=r.get("host"), project=r.get("project"), cpu=r.get("cpu"),
                             memory_mb=r.get("memory_mb"), disk_gb=r.get("disk_gb"))
                for r in rows]

    def set_host(self, host: str, *, enabled: bool | None = None,
                 maintenance: bool | None = None) -> None:
        data = {}
        if enabled is not None:
            data["status"] = "enable" if enabled else "disable"
        if maintenance is not None:
            data["maintenance_mode"] = "enable" if maintenance else "disable"
        if data:
            self._hosts_api("put", f"/os-hosts/{host}", json=data)

    def _hosts_api(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = getattr(self.conn.compute, method)(url, microversion="2.1", **kwargs)
        sdk_exceptions.raise_from_response(response)
        if method == "put":
            return {}
        body: dict[str, Any] = response.json()
        return body

    # -- hypervisors ------------------------------------------------------------------

    def get_hypervisor(self, hypervisor_id: str) -> Hypervisor:
        found = self.conn.compute.get_hypervisor(hypervisor_id)
        shown = hypervisor_from_sdk(found)
        service = found.service_details or {}
        return dataclasses.replace(shown, service_id=str(service.get("id") or ""),
                                   service_host=service.get("host") or "",
                                   disabled_reason=service.get("disabled_reason"))

    def hypervisor_statistics(self) -> HypervisorStatistics:
        # Not in openstacksdk (Nova dropped it at 2.88): the real client asks at 2.1.
        response = self.conn.compute.get("/os-hypervisors/statistics", microversion="2.1")
        sdk_exceptions.raise_from_response(response)
        return HypervisorStatistics(values=dict(response.json()["hypervisor_statistics"]))

    # -- aggregates -------------------------------------------------------------------

    def aggregates(self) -> list[Aggregate]:
        found = [aggregate_from_sdk(a) for a in self.conn.compute.aggregates()]
        self._cache_list("aggregate", found)
        return found

    def find_aggregate(self, name_or_id: str) -> Aggregate:
        return aggregate_from_sdk(
            self.conn.compute.find_aggregate(name_or_id, ignore_missing=False))

    def create_aggregate(self, name: str, availability_zone: str | None = None) -> Aggregate:
        attrs = {"name": name}
        if availability_zone:
            attrs["availability_zone"] = availability_zone
        return aggregate_from_sdk(self.conn.compute.create_aggregate(**attrs))

    def update_aggregate(self, aggregate: Aggregate, *, name: str | None = None,
                         availability_zone: str | None = None) -> None:
        attrs = {}
        if name:
            attrs["name"] = name
        if availability_zone:
            attrs["availability_zone"] = availability_zone
        self.conn.compute.update_aggregate(aggregate.id, **attrs)

    def set_aggregate_metadata(self, aggregate: Aggregate,
                               metadata: dict[str, str | None]) -> Aggregate:
        return aggregate_from_sdk(
            self.conn.compute.set_aggregate_metadata(aggregate.id, metadata))

    def delete_aggregate(self, aggregate: Aggregate) -> None:
        self.conn.compute.delete_aggregate(aggregate.id, ignore_missing=False)

    def add_aggregate_host(self, aggregate: Aggregate, host: str) -> Aggregate:
        return aggregate_from_sdk(self.conn.compute.add_host_to_aggregate(aggregate.id, host))

    def remove_aggregate_host(self, aggregate: Aggregate, host: str) -> Aggregate:
        return aggregate_from_sdk(
            self.conn.compute.remove_host_from_aggregate(aggregate.id, host))

    def cache_aggregate_images(self, aggregate: Aggregate, image_ids: list[str]) -> None:
        self.conn.compute.aggregate_precache_images(aggregate.id, image_ids)
