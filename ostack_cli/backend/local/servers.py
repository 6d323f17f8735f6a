"""Servers on libvirt/QEMU: listing as Nova shows them, and booting as nova-compute does."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import os
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ostack_cli import faults
from ostack_cli.backend.local import compute_hosts, guest_volumes, nova_rules
from ostack_cli.backend.local.context import ServiceContext
from ostack_cli.backend.local.flavors import Flavors
from ostack_cli.backend.local.guest_build import GuestBuilder
from ostack_cli.backend.local.guest_ops import requester
from ostack_cli.backend.local.guests import GIB, InstanceFiles
from ostack_cli.backend.local.host_sync import HostSync
from ostack_cli.backend.local.images import Images
from ostack_cli.backend.local.keypairs import Keypairs
from ostack_cli.backend.local.net_records import network_subnets
from ostack_cli.backend.local.networks import Networks
from ostack_cli.backend.local.passwords import generate_password
from ostack_cli.backend.local.policy import require_nova_admin
from ostack_cli.backend.local.ports import Ports
from ostack_cli.backend.local.quotas import Quotas
from ostack_cli.backend.local.security_groups import SecurityGroups
from ostack_cli.backend.local.server_events import ActionLog, ServerEvents
from ostack_cli.backend.local.server_groups import NoValidHost, ServerGroups
from ostack_cli.backend.local.server_listing import group_names, port_groups
from ostack_cli.backend.local.server_records import ServerRecords
from ostack_cli.backend.models import new_id, utcnow
from ostack_cli.backend.models import server as srv
from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.backend.models.image import Image
from ostack_cli.backend.models.network import FixedIPRequest, Network, Port, PortSpec, Subnet
from ostack_cli.backend.models.server import NicRequest, Server, ServerSpec
from ostack_cli.backend.models.server_group import ServerGroup
from ostack_cli.errors import BadRequest, Conflict, NotFound, OstackError, duplicate, not_found
from ostack_cli.lazy import lazy_import

if TYPE_CHECKING:
    from ostack_cli.backend.local import configdrive
    from ostack_cli.backend.local.volume_attachments import BootPlan, VolumeAttachments
else:
    configdrive = lazy_import("ostack_cli.backend.local.configdrive")

MAX_USER_DATA = 65535
RAM_ALLOCATION_RATIO = 1.5
ERROR_FAULT_CODE = 500
LOCAL_HOST = "localhost"
DEVICE_OWNER_COMPUTE = "compute:nova"
# What a server the scheduler placed nowhere shows of a host.
UNSCHEDULED: dict[str, Any] = {"host": "", "host_id": "", "host_status": "",
                               "availability_zone": "", "root_device_name": None}


class Servers:
    def __init__(
        self,
        context: ServiceContext,
        *,
        records: ServerRecords,
        guests: GuestBuilder,
        flavors: Flavors,
        images: Images,
        keypairs: Keypairs,
        networks: Networks,
        ports: Ports,
        security_groups: SecurityGroups,
        quotas: Quotas,
        host_sync: HostSync,
        groups: ServerGroups,
        events: ServerEvents,
        boot_volumes: Callable[[], VolumeAttachments] | None = None,
    ) -> None:
        self.context = context
        # Servers made with block devices (boot from volume): Cinder's volumes, attached.
        self.boot_volumes = boot_volumes
        self.store = context.store
        self.host = context.host
        self.records = records
        self.guests = guests
        self.flavors = flavors
        self.images = images
        self.keypairs = keypairs
        self.networks = networks
        self.ports = ports
        self.security_groups = security_groups
        self.quotas = quotas
        self.host_sync = host_sync
        self.groups = groups
        self.events = events

    # -- reading ----------------------------------------------------------------------

    # ``server list`` is ServerListing's (server_listing.py), which loads less.

    def get(self, server_id: str) -> Server:
        server = self.store.get(Server, server_id)
        if server is None:
            raise not_found("Server", server_id)
        return self._shown(self.records.reconcile([server])[0], by_id=True)

    def _shown(self, server: Server, *, by_id: bool) -> Server:
        """As Nova shows it: with its addresses, and its groups (2.71+) in the show view
        (an ID) but not the list view (what a look-up by name reads)."""
        groups = self.groups.group_ids_of(server.id) if by_id else None
        attached = guest_volumes.volumes_attached(
            guest_volumes.server_attachments(self.store, server.id))
        # Nova's host_status: what its host's nova-compute is now (UP, DOWN, MAINTENANCE).
        status = compute_hosts.host_status(self.store) if server.host_status else ""
        return server.replace(**self.records.address_fields(server),
                              security_group_names=port_groups(self.records, server,
                                                               group_names(self.store)),
                              server_groups=groups, attached_volumes=attached,
                              host_status=status)

    def find(self, name_or_id: str, *, all_projects: bool = False) -> Server:
        def visible(server: Server) -> bool:
            return all_projects or server.project_id == self.context.project_id

        found = self.store.get(Server, name_or_id)
        # Nova shows an admin any server by its ID; names are looked up in the list.
        by_id = found is not None and (visible(found) or self.context.is_admin)
        if found is None or not by_id:
            matches = [s for s in self.store.list(Server, name=name_or_id) if visible(s)]
            if not matches:
                raise not_found("Server", name_or_id)
            if len(matches) > 1:
                raise duplicate("Server", name_or_id)
            found = matches[0]
        return self._shown(self.records.reconcile([found])[0], by_id=by_id)

    # -- creating ---------------------------------------------------------------------

    def create(self, spec: ServerSpec) -> list[Server]:
        """Boot ``spec.min_count`` to ``spec.max_count`` servers; returns them as created."""
        _check_spec(spec)
        flavor = self.flavors.find(spec.flavor)
        boot = self._boot_plan(spec, flavor)
        image = boot.image if boot is not None else self.images.find(spec.image)
        nics = self._plan_nics(spec)
        zone, forced = self._requested_zone(spec.availability_zone)
        if boot is None or not boot.from_volume:
            _check_image_fits(image, flavor)
        public_keys = self._public_keys(spec.key_name)
        server_group = self.groups.requested(spec.scheduler_hints)
        if server_group is not None:
            self.groups.check_members_quota(server_group, spec.min_count)
        group_ids = self._group_ids(spec.security_groups)
        for _, port, _ in nics:
            if port is not None and port.device_id:
                raise Conflict(f"Port {port.id} is still in use.")
        if not self.host.is_test_driver:
            self.host.hypervisor.conn  # noqa: B018  fail now, before anything is made
        virt_type = self.host.virt_type()
        created = self._record_servers(spec, flavor, image, nics, group_ids, zone)
        created = self._join_group(created, server_group, spec.scheduler_hints)
        logs = {s.id: self.events.start(s, "create") for s in created}
        try:
            self._schedule(created, flavor, forced)
        except NoValidHost as exc:
            for server in created:
                logs[server.id].failed("conductor_schedule_and_build_instances", str(exc))
                self._fail_build(server, InstanceFiles.of(self.host.host_dir, server.id),
                                 str(exc), scheduled=False)
            created = []
        for server in created:
            self._spawn(server, flavor, image, public_keys, spec.user_data, virt_type,
                        logs[server.id], boot=boot)
        # Nova answers a create with an admin password (the guest may ignore it), and the
        # groups as the request named them (the real client names them by ID), which the
        # real client prints unless the server shows groups of its own by then (its ports').
        echo = group_ids if spec.security_groups else ["default"]
        answers = []
        for server_id in logs:
            shown = self.get(server_id)
            answers.append(shown.replace(admin_pass=spec.password or generate_password(),
                                         security_group_names=shown.security_group_names
                                         or echo))
        return answers

    def _boot_plan(self, spec: ServerSpec, flavor: Flavor) -> BootPlan | None:
        """What a server with block devices boots from (Nova's checks of them)."""
        if not spec.block_devices:
            return None
        if self.boot_volumes is None:
            raise BadRequest("Block devices need the block storage service.")
        if spec.max_count > 1 and any(d.source_type == "volume" for d in spec.block_devices):
            raise BadRequest("Cannot attach one or more volumes to multiple instances")
        return self.boot_volumes().plan(spec, flavor)

    def _join_group(self, created: list[Server], group: ServerGroup | None,
                    hints: dict[str, Any]) -> list[Server]:
        """The request's scheduler hints on each server (Nova keeps every value as a list),
        and the servers in the group the hints name."""
        if not hints:
            return created
        kept = {key: [str(v) for v in value] if isinstance(value, list) else [str(value)]
                for key, value in hints.items()}
        joined = []
        with self.store.transaction():
            for server in created:
                current = (self.store.get(Server, server.id) or server).replace(
                    scheduler_hints=kept)
                self.store.update(current)
                if group is not None:
                    self.groups.add_member(group, server.id)
                joined.append(current)
        return joined

    def _requested_zone(self, requested: str | None
                        ) -> tuple[str | None, tuple[str | None, str | None] | None]:
        """Nova's reading of a create's ``availability_zone`` (``parse_availability_zone``):
        the zone, which must be one of an enabled service's unless a host is forced, and the
        host and node forced (``zone:host``, ``zone:host:node``, ``zone::node``; admins
        only), or None."""
        if not requested:
            return None, None
        zone, host, node = requested, None, None
        colons = requested.count(":")
        if colons == 1:
            zone, host = requested.split(":")
        elif colons == 2 and "::" in requested:
            zone, node = requested.split("::")
        elif colons == 2:
            zone, host, node = requested.split(":")
        elif colons:
            raise BadRequest("Invalid input received: Unable to parse availability_zone")
        if host or node:
            require_nova_admin(self.context, "os_compute_api:servers:create:forced_host")
        hosts = compute_hosts.ComputeHosts(self.context, records=self.records)
        available, _ = compute_hosts.zones(hosts.services())
        if zone and not host and zone not in available:
            raise BadRequest("The requested availability zone is not available")
        return zone or None, (host or None, node or None) if host or node else None

    def _schedule(self, servers: list[Server], flavor: Flavor,
                  forced: tuple[str | None, str | None] | None = None) -> None:
        """Nova's scheduler on this one host: whether its nova-compute takes servers (see
        compute_hosts), the host and node forced, the group policies, then the memory. (A
        zone an enabled service has is this host's, or one no aggregate maps: the
        placement prefilter lets the host take it.)"""
        if not compute_hosts.schedulable(self.store):
            raise NoValidHost()
        if forced is not None and any(want not in (None, LOCAL_HOST) for want in forced):
            host, node = forced
            raise NoValidHost(f"No such host - host: {host} node: {node} ")
        self.groups.check_fits(servers)
        for server in servers:
            self._claim_memory(server, flavor)

    def _record_servers(
        self,
        spec: ServerSpec,
        flavor: Flavor,
        image: Image,
        nics: list[tuple[Network | None, Port | None, str | None]],
        group_ids: list[str],
        zone: str | None = None,
    ) -> list[Server]:
        """Quota, records and ports of every new server, in one transaction."""
        created: list[Server] = []
        host_zone = compute_hosts.ComputeHosts(self.context, records=self.records).zone()
        with self.store.transaction():
            count = self._fitting_count(spec.min_count, spec.max_count, flavor)
            reservation = "r-" + secrets.token_hex(4)
            for index in range(count):
                server_id = new_id()
                name = spec.name if count == 1 else f"{spec.name}-{index + 1}"
                hostname = spec.hostname or configdrive.sanitize_hostname(name, "server")
                port_ids, made = [], []
                for network, port, fixed_ip in nics:
                    if port is not None:
                        if port.device_id:
                            raise Conflict(f"Port {port.id} is still in use.")
                        self.ports.update(port, device_id=server_id,
                                          device_owner=DEVICE_OWNER_COMPUTE)
                        port_ids.append(port.id)
                        continue
                    assert network is not None
                    made_port = self.ports.create(self._port_spec(
                        network, server_id, fixed_ip, group_ids))
                    port_ids.append(made_port.id)
                    made.append(made_port.id)
                now = utcnow()
                server = Server(
                    id=server_id,
                    name=name,
                    project_id=self.context.project_id,
                    user_id=self.context.user_id,
                    flavor_id=flavor.id,
                    flavor=_embedded_flavor(flavor),
                    image_id=image.id,
                    vm_state="building",
                    task_state="spawning",
                    key_name=spec.key_name,
                    hostname=hostname,
                    description=spec.description,
                    metadata=dict(spec.metadata),
                    # Nova shows a server's groups through its ports (none: none shown).
                    security_group_names=self.security_groups.names(group_ids)
                    if port_ids else [],
                    port_ids=port_ids,
                    created_port_ids=made,
                    user_data=base64.b64encode(spec.user_data).decode() if spec.user_data
                    else None,
                    # Nova's configdrive.required_by (force_config_drive off): asked for,
                    # or the image's img_config_drive=mandatory; else the metadata service.
                    config_drive=nova_rules.requested_config_drive(spec.config_drive)
                    or image.properties.get("img_config_drive") == "mandatory",
                    instance_name=self.host.names.domain(server_id),
                    host=LOCAL_HOST,
                    availability_zone=host_zone,
                    pinned_availability_zone=zone,
                    host_id=host_id(self.context.project_id),
                    host_status="UP",
                    launch_index=index,
                    reservation_id=reservation,
                    tags=list(spec.tags),
                    created_at=now,
                    updated_at=now,
                    worker_pid=os.getpid(),
                    boot_image_ids=self._boot_image_ids(image),
                    kernel_id=image.properties.get("kernel_id", ""),
                    ramdisk_id=image.properties.get("ramdisk_id", ""),
                    system_metadata=nova_rules.boot_system_metadata(
                        image, flavor.disk, requester(self.store, self.context.user_id,
                                                      self.context.project_id)),
                )
                self.store.insert(server)
                created.append(server)
        return created

    def _boot_image_ids(self, image: Image) -> list[str]:
        found = []
        for prop in ("kernel_id", "ramdisk_id"):
            ref = image.properties.get(prop)
            if ref:
                with contextlib.suppress(NotFound):  # the build says what is missing
                    found.append(self.images.find(ref).id)
        return found

    def _fitting_count(self, min_count: int, max_count: int, flavor: Flavor) -> int:
        """Nova boots as many as the quota allows between --min and --max."""
        for count in range(max_count, min_count - 1, -1):
            try:
                self.quotas.check(self.context.project_id, _server_quota(flavor, count))
                return count
            except OstackError:
                if count == min_count:
                    raise
        return min_count

    def _spawn(
        self,
        server: Server,
        flavor: Flavor,
        image: Image,
        public_keys: dict[str, str],
        user_data: bytes | None,
        virt_type: str,
        log: ActionLog,
        *,
        boot: BootPlan | None = None,
    ) -> None:
        files = InstanceFiles.of(self.host.host_dir, server.id)
        try:
            with log.event("compute__do_build_and_run_instance"):
                faults.reached("server-create:recorded")
                if boot is not None and self.boot_volumes is not None:
                    self.boot_volumes().provide(server, boot)  # Nova's block devices first
                files.create()
                xml = self.guests.prepare(server, flavor, image, files, public_keys,
                                          user_data, virt_type)
                faults.reached("server-create:files")
                # Fail closed: the ports' filters exist before the guest can send a packet.
                self.host_sync.prepare(server)
                faults.reached("server-create:plugged")
                self.host.hypervisor.define_and_start(xml)
                faults.reached("server-create:started")
        except Exception as exc:  # whatever went wrong, the build fails as Nova's does
            self._fail_build(server, files, _one_line(exc))
            return
        self.records.transition(server, vm_state="active", task_state=None,
                                power_state=srv.RUNNING, launched_at=utcnow(), worker_pid=None)

    def _claim_memory(self, server: Server, flavor: Flavor) -> None:
        """Nova's scheduler: RAM overcommitted at most 1.5 times (ram_allocation_ratio)."""
        if self.host.is_test_driver:
            return
        total_mib = self.host.hypervisor.host_facts()["memory_mb"]
        used_mib = sum(
            int(s.flavor.get("ram", 0)) for s in self.store.list(Server)
            if s.id != server.id and s.vm_state in nova_rules.MEMORY_STATES
        )
        if used_mib + flavor.ram > total_mib * RAM_ALLOCATION_RATIO:
            raise NoValidHost()

    def _fail_build(self, server: Server, files: InstanceFiles, message: str, *,
                    scheduled: bool = True) -> None:
        """Nova's build failure: nothing left on the host, ports freed, the server in ERROR.
        A server the scheduler found no host for never had one (Nova shows no host, hostId,
        host status or zone)."""
        with contextlib.suppress(Exception):  # the failure may be libvirt itself
            self.host.hypervisor.undefine(server.instance_name)
        files.remove()
        with self.store.transaction():
            for port in self.records.ports_of(server):
                if port.id in server.created_port_ids:
                    self.ports.delete(port)
                else:
                    self.ports.update(port, device_id="", device_owner="")
            self.records.transition(
                server, vm_state="error", task_state=None, power_state=srv.NOSTATE,
                port_ids=[], created_port_ids=[], worker_pid=None, security_group_names=[],
                fault={"code": ERROR_FAULT_CODE, "created": utcnow(), "message": message},
                # A zone asked for stays the server's (Nova's API set it).
                **({} if scheduled else {
                    **UNSCHEDULED, "availability_zone": server.pinned_availability_zone or ""}),
            )

    # -- resolving a request ----------------------------------------------------------

    def _public_keys(self, key_name: str | None) -> dict[str, str]:
        if key_name is None:
            return {}
        try:
            keypair = self.keypairs.find(key_name)
        except NotFound:
            raise BadRequest("Invalid key_name provided.") from None
        return {keypair.name: keypair.public_key}

    def _group_ids(self, requested: list[str]) -> list[str]:
        if not requested:
            return [self.security_groups.ensure_default().id]
        ids = []
        for name in requested:
            try:
                ids.append(self.security_groups.find(name).id)
            except NotFound:
                raise BadRequest(f"Security group {name} not found for project "
                                 f"{self.context.project_id}.") from None
        return list(dict.fromkeys(ids))

    def _plan_nics(self, spec: ServerSpec) -> list[tuple[Network | None, Port | None, str | None]]:
        """The networks and ports asked for (the real client's look-ups first), Nova's checks
        of several servers, then Nova's network for a server that names none."""
        plan = [self._plan_nic(nic) for nic in spec.nics or []]
        _check_multiple(spec)
        if spec.no_network:
            return []
        if spec.nics is None:
            return [(self._auto_network(), None, None)]
        return plan

    def _plan_nic(self, nic: NicRequest) -> tuple[Network | None, Port | None, str | None]:
        if nic.port is not None:
            return None, self.ports.find(nic.port), None
        if nic.network is None:  # a fixed address or tag alone
            raise BadRequest("Bad network format: missing 'uuid'")
        try:
            network = self.networks.find(nic.network)
        except NotFound:
            raise BadRequest(f"Network {nic.network} could not be found.") from None
        if nic.fixed_ip is not None:
            _check_fixed_ip(network, nic.fixed_ip, network_subnets(self.store, network.id))
        return network, None, nic.fixed_ip

    def _auto_network(self) -> Network:
        candidates = [n for n in self.networks.find_all() if not n.is_router_external]
        if not candidates:
            raise BadRequest(
                "Unable to automatically allocate a network for project "
                f"{self.context.project_id}",
                "Create one (ostack bootstrap) or pass --nic none.",
            )
        if len(candidates) > 1:
            raise Conflict("Multiple possible networks found, use a Network ID to be more "
                           "specific.")
        return candidates[0]

    def _port_spec(
        self, network: Network, server_id: str, fixed_ip: str | None, group_ids: list[str]
    ) -> PortSpec:
        return PortSpec(
            network_id=network.id,
            project_id=self.context.project_id,
            fixed_ips=[FixedIPRequest(ip_address=fixed_ip)] if fixed_ip else None,
            device_id=server_id,
            device_owner=DEVICE_OWNER_COMPUTE,
            security_group_ids=group_ids if network.is_port_security_enabled else [],
            binding_host_id=LOCAL_HOST,
        )


def host_id(project_id: str) -> str:
    """Nova's ``hostId``: a hash of the project and the compute host."""
    return hashlib.sha224((project_id + LOCAL_HOST).encode()).hexdigest()


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _check_spec(spec: ServerSpec) -> None:
    nova_rules.check_name(spec.name)
    if spec.min_count < 1 or spec.max_count < spec.min_count:
        raise BadRequest("min_count must be <= max_count")
    nova_rules.requested_config_drive(spec.config_drive)
    if spec.user_data is not None:
        encoded = len(base64.b64encode(spec.user_data))
        if encoded > MAX_USER_DATA:
            raise BadRequest(
                f"User data too large. User data must be no larger than {MAX_USER_DATA} bytes "
                f"once base64 encoded. Your data is {encoded} bytes"
            )
    nova_rules.check_metadata(spec.metadata)
    nova_rules.check_description(spec.description)
    nova_rules.check_tags(spec.tags)
    if spec.hostname is not None:
        try:
            configdrive.check_hostname(spec.hostname)
        except ValueError as exc:
            raise BadRequest(f"Invalid input for field/attribute hostname: {exc}") from None


def _check_multiple(spec: ServerSpec) -> None:
    """Nova's refusals of several servers in one request (``compute.api.API.create``): a
    port, a fixed address or a hostname can be one server's only."""
    if spec.max_count > 1:
        for nic in spec.nics or []:
            if nic.network is not None and nic.fixed_ip is not None:
                raise BadRequest("Failed to launch instances: max_count cannot be greater than "
                                 "1 if an fixed_ip is specified.")
            if nic.port is not None:
                raise BadRequest("Failed to launch instances: Unable to launch multiple "
                                 "instances with a single configured port ID. Please launch "
                                 "your instance one by one with different ports.")
        if spec.hostname:
            raise BadRequest("Unable to allocate a single hostname to multiple instances")


def _check_image_fits(image: Image, flavor: Flavor) -> None:
    """Nova's API checks (FlavorDiskSmallerThanImage and friends), with its messages."""
    if image.status != "active":
        raise BadRequest(f"Image {image.id} is not active.")
    root = flavor.disk * GIB
    if flavor.disk:
        for size in (image.size or 0, image.virtual_size or 0):
            if size > root:
                raise BadRequest(
                    "Flavor's disk is too small for requested image. Flavor disk is "
                    f"{root} bytes, image is {size} bytes."
                )
        if image.min_disk * GIB > root:
            raise BadRequest(
                "Flavor's disk is too small for requested image. Flavor disk is "
                f"{root} bytes, minimum required by the image is {image.min_disk * GIB} bytes."
            )
    if image.min_ram > flavor.ram:
        raise BadRequest("Flavor's memory is too small for requested image.")


def _check_fixed_ip(network: Network, address: str, subnets: list[Subnet]) -> None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise BadRequest(f"Invalid fixed IP address ({address})") from None
    if not any(ip in ipaddress.ip_network(s.cidr) for s in subnets):
        raise BadRequest(
            f"Fixed IP address {address} is not valid on network {network.id}: it is in none "
            "of its subnets."
        )


def _embedded_flavor(flavor: Flavor) -> dict[str, Any]:
    return {
        "vcpus": flavor.vcpus,
        "ram": flavor.ram,
        "disk": flavor.disk,
        "ephemeral": flavor.ephemeral,
        "swap": flavor.swap,
        "original_name": flavor.name,
        "extra_specs": dict(flavor.extra_specs),
    }


def _server_quota(flavor: Flavor, count: int) -> dict[str, int]:
    return {"instances": count, "cores": flavor.vcpus * count, "ram": flavor.ram * count}
