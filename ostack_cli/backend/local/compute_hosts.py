"""Nova's services on the one local host, as a cloud with exactly one compute host shows them:
``nova-scheduler`` and ``nova-conductor`` (zone ``internal``) and ``nova-compute`` (zone
``nova``, or its aggregates' zone), all on host ``localhost``, the host servers and port
bindings name; the hypervisor behind ``nova-compute``, named as libvirt names the machine.

What Nova keeps of them (their UUIDs, a service disabled or forced down, a service deleted,
and the ``COMPUTE_STATUS_DISABLED`` trait that ``host set --disable`` puts on the compute node)
is one setting of the store, written at the first change (until then the services are as
every store starts them, with IDs derived from the store's). The scheduler asks
``schedulable()``: a
disabled, forced down or deleted ``nova-compute`` (or the trait) leaves Nova no valid host.
A deleted service comes back, with a new ID, when its process would start again: at
``ostack host sync``.

Messages and rules: nova/api/openstack/compute/services.py, hosts.py, hypervisors.py and
nova/compute/api.py's HostAPI.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import uuid
from datetime import UTC, datetime
from typing import Any

from ostack_cli.backend.local import aggregates as aggregate_records
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.local.server_records import ServerRecords
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.compute_host import (
    COMPUTE_BINARY,
    DEFAULT_ZONE,
    INTERNAL_ZONE,
    ComputeService,
    HostResource,
    HostService,
    HypervisorStatistics,
)
from ostack_cli.backend.models.placement import ComputeNode
from ostack_cli.backend.models.server import Hypervisor, Server
from ostack_cli.errors import BadRequest, Conflict, NotFound, OstackError
from ostack_cli.state.store import Store

# The host servers and port bindings name (servers.LOCAL_HOST; not imported: servers are
# heavy, and every command here is light).
HOST = "localhost"
SETTING = "nova_services"
# Nova's services in the order they start (and ``GET /os-services`` lists them), with the
# RPC topic the os-hosts API shows for each.
BINARIES = (("nova-scheduler", "scheduler"), ("nova-conductor", "conductor"),
            (COMPUTE_BINARY, "compute"))
TOPICS = dict(BINARIES)
# nova.conf [DEFAULT] reserved_host_memory_mb: the resource tracker counts it as used.
RESERVED_HOST_MEMORY_MB = 512
GIB = 1024**3
# nova/compute/stats.py: what counts as a compute node's workload.
WORKLOAD_TASKS = frozenset({"resize_migrating", "rebuilding", "resize_prep", "image_snapshot",
                            "image_backup", "rescuing", "unshelving", "shelving"})
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


def heartbeat() -> str:
    """A service's last report, as Nova prints it: the local services are this process's own,
    so they report now (Nova's database keeps whole seconds)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000")


def is_uuid_like(value: str) -> bool:
    """oslo.utils' ``is_uuid_like``: hyphens optional, any case."""
    return bool(UUID_RE.match(value))


def not_mapped(host: str) -> NotFound:
    return NotFound(f"Host '{host}' is not mapped to any cell")


class ComputeHosts:
    def __init__(self, context: ServiceContext, *, records: ServerRecords) -> None:
        self.context = context
        self.store = context.store
        self.host = context.host
        self.records = records

    # -- what the store keeps ---------------------------------------------------------

    def _state(self) -> dict[str, Any]:
        """The services' records. Until one changes, they are the ones every store starts
        with, whose IDs derive from the store's own (its bootstrap user's): reading them
        writes nothing."""
        raw = self.store.get_setting(SETTING)
        if raw is not None:
            state: dict[str, Any] = json.loads(raw)
            return state
        seed = self.store.get_setting("user_id") or ""
        return {"node_id": _derived_id(seed, "compute-node"), "trait_disabled": False,
                "services": [_new_service(binary, _derived_id(seed, binary))
                             for binary, _ in BINARIES]}

    def _save(self, state: dict[str, Any]) -> None:
        with self.store.transaction():
            self.store.set_setting(SETTING, json.dumps(state))

    def _records(self) -> list[dict[str, Any]]:
        return [s for s in self._state()["services"] if not s.get("deleted")]

    def zone(self) -> str:
        """The compute host's zone: its aggregates', else Nova's default."""
        return aggregate_records.host_zone(self.store, HOST) or DEFAULT_ZONE

    def services(self) -> list[ComputeService]:
        """Every service that exists, as ``GET /os-services`` shows it (no policy: for the
        services that read them)."""
        zone = self.zone()
        return [_shown(record, zone) for record in self._records()]

    def compute_service(self) -> ComputeService | None:
        return next((s for s in self.services() if s.binary == COMPUTE_BINARY), None)

    def instances(self) -> list[Server]:
        """The servers on the host (an offloaded or unscheduled one has none)."""
        return [s for s in self.records.reconcile(self.store.list(Server)) if s.host == HOST]

    def has_host(self, host: str) -> bool:
        """Whether ``host`` is a compute host (Nova's host mapping)."""
        return host == HOST and self.compute_service() is not None

    # -- compute service list|set|delete ----------------------------------------------

    def find_all(self, *, host: str | None = None, binary: str | None = None
                 ) -> list[ComputeService]:
        require_nova_admin(self.context, "os_compute_api:os-services:list")
        return [s for s in self.services()
                if (not host or s.host == host) and (not binary or s.binary == binary)]

    def update(self, service_id: str, *, status: str | None = None,
               disabled_reason: str | None = None, forced_down: bool | None = None
               ) -> ComputeService:
        """``PUT /os-services/{id}`` (2.53+): status and forced_down of a nova-compute."""
        if not is_uuid_like(service_id):
            raise BadRequest(f"Invalid uuid {service_id}")
        require_nova_admin(self.context, "os_compute_api:os-services:update")
        with self.store.transaction():
            state = self._state()
            record = _record(state, service_id)
            if record["binary"] != COMPUTE_BINARY:
                raise BadRequest(
                    f"Updating a {record['binary']} service is not supported. Only "
                    "nova-compute services can be updated.")
            if status is None and forced_down is None:
                raise BadRequest("No updates were requested. Fields 'status' or 'forced_down' "
                                 "should be specified.")
            if status == "enabled":
                if disabled_reason:
                    raise BadRequest("Specifying 'disabled_reason' with status 'enabled' is "
                                     "invalid.")
                record.update(disabled=False, disabled_reason=None)
                # nova-compute takes the COMPUTE_STATUS_DISABLED trait off its node as it is
                # enabled, and puts it on as it is disabled.
                state["trait_disabled"] = False
            elif status == "disabled":
                record.update(disabled=True, disabled_reason=disabled_reason)
                state["trait_disabled"] = True
            if forced_down is not None:
                record["forced_down"] = forced_down
            self._save(state)
        return _shown(record, self.zone())

    def delete(self, service_id: str) -> None:
        require_nova_admin(self.context, "os_compute_api:os-services:delete")
        if not is_uuid_like(service_id):
            raise BadRequest(f"Invalid uuid {service_id}")
        with self.store.transaction():
            state = self._state()
            try:
                record = _record(state, service_id)
            except NotFound:
                raise NotFound(f"Service {service_id} not found.") from None
            if record["binary"] == COMPUTE_BINARY:
                if self.instances():
                    raise Conflict("Unable to delete compute service that is hosting "
                                   "instances. Migrate or delete the instances first.")
                aggregate_records.drop_host(self.store, HOST)
            record["deleted"] = True
            self._save(state)

    def register(self) -> None:
        """Every service's process reports again (``ostack host sync``): a deleted service
        is back with a new ID, as Nova's would be once its process restarted."""
        with self.store.transaction():
            state = self._state()
            deleted = [i for i, r in enumerate(state["services"]) if r.get("deleted")]
            for index in deleted:
                state["services"][index] = _new_service(state["services"][index]["binary"])
            if deleted:
                self._save(state)

    # -- the deprecated os-hosts API (microversion 2.1) -------------------------------

    def host_services(self) -> list[HostService]:
        require_nova_admin(self.context, "os_compute_api:os-hosts:list")
        return [HostService(host_name=s.host, service=TOPICS[s.binary], zone=s.zone)
                for s in self.services() if s.status == "enabled"]

    def host_resources(self, host: str) -> list[HostResource]:
        require_nova_admin(self.context, "os_compute_api:os-hosts:show")
        if not self.has_host(host):
            raise not_mapped(host)
        totals = self._totals()
        instances = self.instances()
        rows = [
            HostResource(host=host, project="(total)", cpu=totals["vcpus"],
                         memory_mb=totals["memory_mb"], disk_gb=totals["local_gb"]),
            HostResource(host=host, project="(used_now)", cpu=totals["vcpus_used"],
                         memory_mb=totals["memory_mb_used"], disk_gb=totals["local_gb_used"]),
            _usage(host, "(used_max)", instances),
        ]
        projects: dict[str, list[Server]] = {}
        for server in instances:
            projects.setdefault(server.project_id, []).append(server)
        rows += [_usage(host, project, servers) for project, servers in projects.items()]
        return rows

    def set_host(self, host: str, *, enabled: bool | None = None,
                 maintenance: bool | None = None) -> None:
        """``PUT /os-hosts/{host}``: the status sets or clears the compute node's
        COMPUTE_STATUS_DISABLED trait (nova-compute's ``set_host_enabled``; the service
        record stays as it is); libvirt has no maintenance mode."""
        require_nova_admin(self.context, "os_compute_api:os-hosts:update")
        if enabled is not None:
            self._check_host(host)
            with self.store.transaction():
                state = self._state()
                state["trait_disabled"] = not enabled
                self._save(state)
        if maintenance is not None:
            self._check_host(host)
            raise OstackError("The requested functionality is not supported.")

    def _check_host(self, host: str) -> None:
        # Nova finds a host by its cell mapping, which a deleted nova-compute takes along.
        if not self.has_host(host):
            raise not_mapped(host)

    # -- hypervisors ------------------------------------------------------------------

    def hypervisors(self, *, detailed: bool = True, matching: str | None = None
                    ) -> list[Hypervisor]:
        """The compute node, as ``GET /os-hypervisors[/detail]`` shows it (2.88+: no
        resource counts; ``hypervisor stats show`` has them)."""
        require_nova_admin(self.context, "os_compute_api:os-hypervisors:"
                           + ("list-detail" if detailed else "list"))
        found = [self._hypervisor()] if self.compute_service() is not None else []
        if matching is not None:
            found = [h for h in found if matching in h.name]
            if not found:
                raise NotFound(f"No hypervisor matching '{matching}' could be found.")
        return found

    def get_hypervisor(self, hypervisor_id: str) -> Hypervisor:
        require_nova_admin(self.context, "os_compute_api:os-hypervisors:show")
        if not is_uuid_like(hypervisor_id):
            raise BadRequest(f"Invalid uuid {hypervisor_id}")
        state = self._state()
        if self.compute_service() is None or str(uuid.UUID(hypervisor_id)) != state["node_id"]:
            raise NotFound(f"Hypervisor with ID '{hypervisor_id}' could not be found.")
        found = [self._hypervisor()]
        return dataclasses.replace(found[0], uptime=_uptime())

    def statistics(self) -> HypervisorStatistics:
        """``GET /os-hypervisors/statistics`` at 2.1 (removed from 2.88; the real client
        asks for 2.1)."""
        require_nova_admin(self.context, "os_compute_api:os-hypervisors:statistics")
        totals = self._totals() if self.compute_service() is not None else None
        if totals is None:
            keys = ("count", "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
                    "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload",
                    "running_vms", "disk_available_least")
            return HypervisorStatistics(values=dict.fromkeys(keys, 0))
        return HypervisorStatistics(values={"count": 1, **totals})

    def compute_node(self) -> ComputeNode | None:
        """The compute node as Placement holds it (its resource provider, named and
        identified as the hypervisor), or None without a nova-compute; no policy here:
        the caller's API applies its own."""
        if self.compute_service() is None:
            return None
        state = self._state()
        totals = self._totals()
        return ComputeNode(id=state["node_id"],
                           name=self.host.hypervisor.host_facts()["hostname"],
                           vcpus=totals["vcpus"], memory_mb=totals["memory_mb"],
                           local_gb=totals["local_gb"],
                           reserved_memory_mb=RESERVED_HOST_MEMORY_MB,
                           disabled=bool(state.get("trait_disabled")),
                           instances=self.instances())

    def _hypervisor(self) -> Hypervisor:
        state = self._state()
        compute = self.compute_service()
        assert compute is not None
        facts = self.host.hypervisor.host_facts()
        return Hypervisor(
            id=state["node_id"],
            name=facts["hostname"],
            hypervisor_type="QEMU",
            virt_type=self.host.virt_type(),
            state=compute.state,
            status=compute.status,
            host_ip=host_ip(),
            # Counts Nova leaves out of a hypervisor from 2.88 on.
            vcpus=0, vcpus_used=0, memory_mb=0, memory_mb_used=0, local_gb=0,
            local_gb_used=0, running_vms=0,
            hypervisor_version=facts["version"],
            cpu_info=self._cpu_info(),
            service_id=compute.id,
            service_host=compute.host,
            disabled_reason=compute.disabled_reason,
        )

    def _totals(self) -> dict[str, int]:
        """The compute node's resources as Nova's resource tracker counts them."""
        facts = self.host.hypervisor.host_facts()
        instances = self.instances()
        disk = os.statvfs(self.host.host_dir)
        local_gb = disk.f_blocks * disk.f_frsize // GIB
        vcpus_used = sum(int(s.flavor.get("vcpus", 0)) for s in instances)
        memory_used = RESERVED_HOST_MEMORY_MB + sum(int(s.flavor.get("ram", 0))
                                                    for s in instances)
        disk_used = sum(_disk_gb(s) for s in instances)
        return {
            "vcpus": facts["vcpus"],
            "memory_mb": facts["memory_mb"],
            "local_gb": local_gb,
            "vcpus_used": vcpus_used,
            "memory_mb_used": memory_used,
            "local_gb_used": disk_used,
            "free_ram_mb": facts["memory_mb"] - memory_used,
            "free_disk_gb": local_gb - disk_used,
            "current_workload": sum(1 for s in instances if s.vm_state == "building"
                                    or s.task_state in WORKLOAD_TASKS),
            "running_vms": len(instances),
            # libvirt's: the free space, less what sparse disks may still grow by.
            "disk_available_least": disk.f_bavail * disk.f_frsize // GIB,
        }

    def _cpu_info(self) -> dict[str, Any]:
        """The libvirt driver's ``cpu_info`` (a dict from 2.28): the host CPU of libvirt's
        capabilities."""
        import xml.etree.ElementTree as ET

        try:
            caps = ET.fromstring(self.host.hypervisor.conn.getCapabilities())
        except Exception:  # a host that cannot say still lists its hypervisor
            return {}
        cpu = caps.find("host/cpu")
        if cpu is None:
            return {}
        topology = cpu.find("topology")
        cells = caps.findall("host/topology/cells/cell")

        def number(name: str) -> int | None:
            value = topology.get(name) if topology is not None else None
            return int(value) if value is not None else None

        return {
            "arch": cpu.findtext("arch"),
            "model": cpu.findtext("model"),
            "vendor": cpu.findtext("vendor"),
            "topology": {"cells": len(cells) or 1, "sockets": number("sockets"),
                         "cores": number("cores"), "threads": number("threads")},
            "features": sorted({f.get("name", "") for f in cpu.findall("feature")}),
        }


def schedulable(store: Store) -> bool:
    """Whether Nova's scheduler can place a server on the host: its nova-compute exists, is
    up and enabled (ComputeFilter), and the compute node lacks the COMPUTE_STATUS_DISABLED
    trait (the compute_status request filter)."""
    state, compute = _stored_compute(store)
    return (compute is not None and not compute["disabled"] and not compute["forced_down"]
            and not state.get("trait_disabled"))


def host_status(store: Store) -> str:
    """Nova's ``host_status`` of a server on the host (``get_instance_host_status``): DOWN
    once its nova-compute is forced down, MAINTENANCE while it is disabled, else UP; none
    once the service is gone."""
    _, compute = _stored_compute(store)
    if compute is None:
        return ""
    if compute["forced_down"]:
        return "DOWN"
    return "MAINTENANCE" if compute["disabled"] else "UP"


def _stored_compute(store: Store) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The stored state and nova-compute's record in it (None once deleted); a store that
    never changed its services has them as they start: there, enabled and up."""
    raw = store.get_setting(SETTING)
    if raw is None:
        return {}, _new_service(COMPUTE_BINARY)
    state: dict[str, Any] = json.loads(raw)
    compute = [s for s in state["services"]
               if s["binary"] == COMPUTE_BINARY and not s.get("deleted")]
    return state, compute[0] if compute else None


def zones(services: list[ComputeService]) -> tuple[list[str], list[str]]:
    """Nova's available and not available zones (nova/availability_zones.py): those of
    enabled services, and those of disabled ones no enabled service is in."""
    available = sorted({s.zone for s in services if s.status == "enabled"})
    unavailable = sorted({s.zone for s in services if s.status != "enabled"} - set(available))
    return available, unavailable


def _new_service(binary: str, service_id: str | None = None) -> dict[str, Any]:
    return {"id": service_id or new_id(), "binary": binary, "disabled": False,
            "disabled_reason": None, "forced_down": False}


def _derived_id(seed: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ostack:{seed}:{name}"))


def _record(state: dict[str, Any], service_id: str) -> dict[str, Any]:
    wanted = str(uuid.UUID(service_id)) if is_uuid_like(service_id) else service_id
    for record in state["services"]:
        if record["id"] == wanted and not record.get("deleted"):
            return record
    raise NotFound(f"Service {service_id} could not be found.")


def _shown(record: dict[str, Any], compute_zone: str) -> ComputeService:
    return ComputeService(
        id=record["id"],
        binary=record["binary"],
        host=HOST,
        zone=compute_zone if record["binary"] == COMPUTE_BINARY else INTERNAL_ZONE,
        status="disabled" if record["disabled"] else "enabled",
        state="down" if record["forced_down"] else "up",
        updated_at=heartbeat(),
        disabled_reason=record["disabled_reason"],
        forced_down=bool(record["forced_down"]),
    )


def _disk_gb(server: Server) -> int:
    return int(server.flavor.get("disk", 0)) + int(server.flavor.get("ephemeral", 0))


def _usage(host: str, project: str, servers: list[Server]) -> HostResource:
    return HostResource(host=host, project=project,
                        cpu=sum(int(s.flavor.get("vcpus", 0)) for s in servers),
                        memory_mb=sum(int(s.flavor.get("ram", 0)) for s in servers),
                        disk_gb=sum(_disk_gb(s) for s in servers))


def _uptime() -> str:
    """What the libvirt driver's ``get_host_uptime`` answers: ``env LANG=C uptime``."""
    try:
        done = subprocess.run(["env", "LANG=C", "uptime"], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def host_ip() -> str:
    """The host's address, as the libvirt driver's ``get_host_ip_addr`` (``my_ip``)."""
    import socket

    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"
