"""Nova's view of the host: ``/os-hypervisors`` and ``/os-availability-zone``
(nova/api/openstack/compute/hypervisors.py, availability_zone.py). The local backend has one
hypervisor, this host, in zone ``nova``."""

from __future__ import annotations

import json
from typing import Any

from ostack_cli.api import nova_common
from ostack_cli.api.http import ApiRequest, Reply
from ostack_cli.api.nova import NOVA
from ostack_cli.backend.api.server import ServerFilters
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.models.server import Hypervisor


def _hypervisor_view(req: ApiRequest, hypervisor: Hypervisor, *, detail: bool,
                     with_servers: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"id": hypervisor.id, "hypervisor_hostname": hypervisor.name,
                            "state": hypervisor.state, "status": hypervisor.status}
    if detail:
        body.update({"hypervisor_type": hypervisor.hypervisor_type,
                     "hypervisor_version": hypervisor.hypervisor_version,
                     "host_ip": hypervisor.host_ip,
                     "service": {"id": hypervisor.service_id,
                                 "host": hypervisor.service_host or hypervisor.name,
                                 "disabled_reason": hypervisor.disabled_reason}})
        if nova_common.at_least(req, "2.88"):
            body["uptime"] = hypervisor.uptime or None
        else:
            body.update({
                "vcpus": hypervisor.vcpus, "memory_mb": hypervisor.memory_mb,
                "local_gb": hypervisor.local_gb, "vcpus_used": hypervisor.vcpus_used,
                "memory_mb_used": hypervisor.memory_mb_used,
                "local_gb_used": hypervisor.local_gb_used,
                "free_ram_mb": hypervisor.memory_mb - hypervisor.memory_mb_used,
                "free_disk_gb": hypervisor.local_gb - hypervisor.local_gb_used,
                "current_workload": 0, "running_vms": hypervisor.running_vms,
                "disk_available_least": hypervisor.local_gb - hypervisor.local_gb_used,
                "cpu_info": dict(hypervisor.cpu_info) if nova_common.at_least(req, "2.28")
                else json.dumps(hypervisor.cpu_info)})
    if with_servers:
        servers = req.backend.servers(ServerFilters(all_projects=True))
        if servers or nova_common.at_least(req, "2.75"):
            body["servers"] = [{"name": s.name, "uuid": s.id} for s in servers]
    return body


def _listed(req: ApiRequest, *, detail: bool) -> Reply:
    hypervisors = req.backend.hypervisors(
        detailed=detail, matching=req.param("hypervisor_hostname_pattern"))
    with_servers = bool(nova_common.bool_param(req.param("with_servers")))
    return Reply(200, {"hypervisors": [
        _hypervisor_view(req, h, detail=detail, with_servers=with_servers)
        for h in hypervisors]})


@NOVA.route("GET", "/v2.1/os-hypervisors")
def list_hypervisors(req: ApiRequest) -> Reply:
    return _listed(req, detail=False)


@NOVA.route("GET", "/v2.1/os-hypervisors/detail")
def list_hypervisors_detail(req: ApiRequest) -> Reply:
    return _listed(req, detail=True)


@NOVA.route("GET", "/v2.1/os-hypervisors/{hypervisor_id}")
def show_hypervisor(req: ApiRequest, hypervisor_id: str) -> Reply:
    found = req.backend.get_hypervisor(hypervisor_id)
    with_servers = bool(nova_common.bool_param(req.param("with_servers")))
    return Reply(200, {"hypervisor": _hypervisor_view(req, found, detail=True,
                                                      with_servers=with_servers)})


def _zones(req: ApiRequest, *, details: bool) -> Reply:
    zones = req.backend.availability_zones("compute", details=details)
    info = []
    for zone in zones:
        entry: dict[str, Any] = {"zoneName": zone.name,
                                 "zoneState": {"available": zone.available}}
        if details:
            entry["hosts"] = None if zone.hosts is None else {
                host: {service: {"available": state.available, "active": state.active,
                                 "updated_at": state.updated_at}
                       for service, state in services.items()}
                for host, services in zone.hosts.items()}
        else:
            entry["hosts"] = None
        info.append(entry)
    return Reply(200, {"availabilityZoneInfo": info})


@NOVA.route("GET", "/v2.1/os-availability-zone")
def list_zones(req: ApiRequest) -> Reply:
    return _zones(req, details=False)


@NOVA.route("GET", "/v2.1/os-availability-zone/detail")
def list_zones_detail(req: ApiRequest) -> Reply:
    require_nova_admin(req.backend.context, "os_compute_api:os-availability-zone:detail")
    return _zones(req, details=True)


@NOVA.route("GET", "/v2.1/os-hypervisors/statistics")
def hypervisor_statistics(req: ApiRequest) -> Reply:
    # Gone from 2.88 (Nova's 404).
    nova_common.require_version(req, "2.1", "2.87")
    return Reply(200, {"hypervisor_statistics": dict(
        req.backend.hypervisor_statistics().values)})
