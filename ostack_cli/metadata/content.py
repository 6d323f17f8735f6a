"""Nova's instance metadata as data: pure functions of one ``InstanceMetadata``.

What ``nova/api/metadata/base.py``'s ``InstanceMetadata`` gives, in Nova's JSON shape and key
order (cloud-init, glean and cloudbase-init read it as on a real cloud): ``meta_data.json``,
``network_data.json`` and the vendor data of the OpenStack format, the EC2 format's tree
(``get_ec2_metadata``), and the files of a config drive (``metadata_for_config_drive``). The
config drive and the metadata service both come from here.

What the local backend has no counterpart for is left as Nova leaves it when absent: no
injected files, no device tags, no dedicated CPUs, vendor data from Nova's default
``vendordata_providers`` (``StaticJSON`` without a file: ``{}``).
"""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import json
import os
import re
from collections.abc import Mapping
from typing import Any

# The EC2 format's versions (``VERSIONS``) and the OpenStack format's, with what each added.
EC2_VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
                "2008-02-01", "2008-09-01", "2009-04-04")
FOLSOM, GRIZZLY, HAVANA, LIBERTY = "2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15"
NEWTON_ONE, NEWTON_TWO, OCATA, ROCKY = "2016-06-30", "2016-10-06", "2017-02-22", "2018-08-27"
VICTORIA, EPOXY = "2020-10-14", "2025-04-04"
VERSIONS = (FOLSOM, GRIZZLY, HAVANA, LIBERTY, NEWTON_ONE, NEWTON_TWO, OCATA, ROCKY, VICTORIA, EPOXY)
LATEST = "latest"
# Nova's ``[api] config_drive_skip_versions`` default leaves only these EC2 versions on a drive.
CONFIG_DRIVE_EC2_VERSIONS = ("2009-04-04", LATEST)
RANDOM_SEED_BYTES = 512
DEFAULT_ROOT_DEVICE = "/dev/vda"  # the libvirt driver's first virtio disk

# The same rules as ``backend/local/domain_xml``'s checks (a name Linux takes, a unicast MAC,
# an IPv4 address in its one spelling): imported from there, they would pull the whole local
# backend into the metadata proxy.
_IFNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")
_MAC_RE = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", re.IGNORECASE)
_LABEL_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_HEX_RE = re.compile(r"[0-9a-f]{8}")


def check_mac(mac: str) -> str:
    if not isinstance(mac, str) or not _MAC_RE.fullmatch(mac) or int(mac[:2], 16) & 1:
        raise ValueError(f"invalid MAC address {mac!r}")
    return mac.lower()


def check_ipv4(value: str, what: str = "IPv4 address") -> str:
    try:
        parsed = ipaddress.IPv4Address(value)
    except (ipaddress.AddressValueError, TypeError) as exc:
        raise ValueError(f"invalid {what} {value!r}") from exc
    if str(parsed) != value:
        raise ValueError(f"invalid {what} {value!r}: write it as {parsed}")
    return value


def check_hostname(hostname: str) -> str:
    """RFC 1123: dot-separated labels of letters, digits and inner hyphens."""
    if (
        not isinstance(hostname, str)
        or len(hostname) > 253
        or not all(_LABEL_RE.fullmatch(label) for label in hostname.split("."))
    ):
        raise ValueError(f"invalid hostname {hostname!r}")
    return hostname


def link_id(port_id: str) -> str:
    """Nova's name for a port's link in network_data.json: ``tap`` + the port ID's first 11
    characters (its tap device name in a Nova host; only an identifier to the guest)."""
    name = "tap" + port_id[:11]
    if not _IFNAME_RE.fullmatch(name):
        raise ValueError(f"invalid link id {name!r}: 1-15 characters of A-Z a-z 0-9 _ . -")
    return name


def ec2_id(resource_id: str, kind: str) -> str:
    """An EC2 id (``i-``, ``ami-``, ``aki-``, ``ari-`` and 8 hex digits) for a UUID. Nova numbers
    its instances and images in mapping tables of its own (``nova/objects/ec2.py``); here the
    number is the UUID's first 32 bits, stable without a table."""
    digits = resource_id.replace("-", "").lower()[:8]
    if not _HEX_RE.fullmatch(digits):
        raise ValueError(f"{resource_id!r} is not a UUID")
    return f"{kind}-{digits}"


def _check_network(cidr: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(cidr, strict=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid IPv4 CIDR {cidr!r}") from exc


@dataclasses.dataclass(frozen=True, kw_only=True)
class NetworkLinkSpec:
    """One port as Nova's ``network_data.json`` describes it.

    A port without an address (``ip_address``/``cidr`` None) gets no link at all, as in Nova,
    which only sees the subnets of a port's fixed IPs. ``dhcp`` True is a DHCP-enabled subnet
    served by our dnsmasq, for which Nova writes ``ipv4_dhcp`` instead of a static address.
    """

    port_id: str
    mac: str
    network_id: str
    mtu: int | None = None
    cidr: str | None = None
    ip_address: str | None = None
    gateway: str | None = None
    dns_nameservers: tuple[str, ...] = ()
    host_routes: tuple[tuple[str, str], ...] = ()  # (destination CIDR, next hop)
    dhcp: bool = True

    def __post_init__(self) -> None:
        check_mac(self.mac)
        link_id(self.port_id)
        if (self.cidr is None) != (self.ip_address is None):
            raise ValueError("give both the port's IP address and its subnet's CIDR, or neither")
        if self.cidr is not None and self.ip_address is not None:
            own = ipaddress.IPv4Address(check_ipv4(self.ip_address))
            if own not in _check_network(self.cidr):
                raise ValueError(f"IP address {self.ip_address} is not in {self.cidr}")
        if isinstance(self.dns_nameservers, str):
            raise ValueError("dns_nameservers must be a tuple of addresses, not a string")
        for server in (self.gateway, *self.dns_nameservers):
            if server is not None:
                check_ipv4(server)
        for destination, nexthop in self.host_routes:
            _check_network(destination)
            check_ipv4(nexthop, "route next hop")


@dataclasses.dataclass(frozen=True, kw_only=True)
class InstanceMetadata:
    """Everything Nova's metadata says about one instance.

    ``public_keys``: its keypair (name to public key; Nova has at most one, ``key_name``'s).
    The fields after ``dhcp_domain`` only show in the EC2 format (and ``password`` in the
    service's ``password`` path): the image, kernel and ramdisk the guest was booted from,
    the reservation it was made in, its flavor's name, its ports' security groups (one entry
    per port and group, as Nova lists them), its floating IPs and what the guest posted as
    its password.
    """

    uuid: str
    name: str
    hostname: str
    project_id: str
    public_keys: Mapping[str, str] = dataclasses.field(default_factory=dict)
    key_name: str | None = None
    key_type: str = "ssh"
    user_data: bytes | None = None
    availability_zone: str = "nova"
    launch_index: int = 0
    links: tuple[NetworkLinkSpec, ...] = ()
    meta: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Nova's [api] dhcp_domain default: meta_data.json says "<hostname>.novalocal".
    dhcp_domain: str | None = "novalocal"
    image_id: str = ""
    kernel_id: str = ""
    ramdisk_id: str = ""
    reservation_id: str = ""
    flavor_name: str = ""
    security_groups: tuple[str, ...] = ()
    floating_ips: tuple[str, ...] = ()
    root_device_name: str | None = DEFAULT_ROOT_DEVICE
    password: str | None = None

    def __post_init__(self) -> None:
        check_hostname(self.hostname)
        if self.dhcp_domain is not None:
            check_hostname(self.dhcp_domain)

    @property
    def full_hostname(self) -> str:
        """Nova's ``_get_hostname``: the hostname in ``dhcp_domain``."""
        return f"{self.hostname}.{self.dhcp_domain}" if self.dhcp_domain else self.hostname

    @property
    def fixed_ips(self) -> tuple[str, ...]:
        return tuple(link.ip_address for link in self.links if link.ip_address)


def since(first: str, version: str, versions: tuple[str, ...] = VERSIONS) -> bool:
    """Whether ``version`` (``latest`` included) has what ``first`` added."""
    order = (*versions, LATEST)
    return order.index(version) >= order.index(first)


def dump(value: Any) -> bytes:
    """oslo's ``jsonutils.dump_as_bytes``: json.dumps defaults (``, ``/``: ``, ASCII escapes)."""
    return json.dumps(value).encode("utf-8")


def random_seed() -> bytes:
    return os.urandom(RANDOM_SEED_BYTES)


# -- the OpenStack format ------------------------------------------------------------------


def meta_data(spec: InstanceMetadata, version: str, seed: bytes) -> dict[str, Any]:
    """meta_data.json in the key order of Nova's ``_metadata_as_json``."""
    data: dict[str, Any] = {"uuid": spec.uuid}
    if spec.meta:
        data["meta"] = dict(spec.meta)
    if spec.public_keys:
        names = sorted(spec.public_keys)
        data["public_keys"] = {name: spec.public_keys[name] for name in names}
        data["keys"] = [
            {"name": name, "type": spec.key_type, "data": spec.public_keys[name]}
            for name in names
        ]
    data["hostname"] = spec.full_hostname
    data["name"] = spec.name
    data["launch_index"] = spec.launch_index
    data["availability_zone"] = spec.availability_zone
    if since(GRIZZLY, version):
        data["random_seed"] = base64.b64encode(seed).decode("ascii")
    if since(LIBERTY, version):
        data["project_id"] = spec.project_id
    if since(NEWTON_ONE, version):
        data["devices"] = []
    if since(VICTORIA, version):
        data["dedicated_cpus"] = []
    return data


def vendor_data() -> dict[str, Any]:
    """``StaticJSON`` without ``vendordata_jsonfile_path``: an empty object."""
    return {}


def vendor_data2() -> dict[str, Any]:
    """Each of Nova's default providers under its name (``static``: ``StaticJSON``'s)."""
    return {"static": vendor_data()}


def network_metadata(links: tuple[NetworkLinkSpec, ...]) -> dict[str, Any]:
    """network_data.json as Nova's ``netutils.get_network_metadata`` builds it (IPv4 only)."""
    result_links: list[dict[str, Any]] = []
    networks: list[dict[str, Any]] = []
    services: list[dict[str, str]] = []
    for link in links:
        if link.cidr is None or link.ip_address is None:
            continue  # Nova sees no subnet for a port without fixed IPs, and skips it.
        link_name = link_id(link.port_id)
        result_links.append(
            {
                "id": link_name,
                "vif_id": link.port_id,
                "type": "bridge",
                "mtu": link.mtu,
                "ethernet_mac_address": check_mac(link.mac),
            }
        )
        link_services = [{"type": "dns", "address": dns} for dns in link.dns_nameservers]
        networks.append(_network(link, f"network{len(networks)}", link_name, link_services))
        services += [dns for dns in link_services if dns not in services]
    return {"links": result_links, "networks": networks, "services": services}


def _network(
    link: NetworkLinkSpec, net_id: str, name: str, services: list[dict[str, str]]
) -> dict[str, Any]:
    if link.dhcp:
        return {"id": net_id, "type": "ipv4_dhcp", "link": name, "network_id": link.network_id}
    assert link.cidr is not None
    routes: list[dict[str, str]] = []
    if link.gateway:
        routes.append({"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": link.gateway})
    for destination, nexthop in link.host_routes:
        network = _check_network(destination)
        routes.append(
            {
                "network": str(network.network_address),
                "netmask": str(network.netmask),
                "gateway": nexthop,
            }
        )
    return {
        "id": net_id,
        "type": "ipv4",
        "link": name,
        "ip_address": link.ip_address,
        "netmask": str(_check_network(link.cidr).netmask),
        "routes": routes,
        "network_id": link.network_id,
        "services": services,
    }


# -- the EC2 format ------------------------------------------------------------------------


def ec2_metadata(
    spec: InstanceMetadata, version: str, address: str | None = None
) -> dict[str, Any]:
    """Nova's ``get_ec2_metadata``: ``{"meta-data": {...}, "user-data": bytes}`` (user data
    only if there is some). ``address``: the requester's, which ``local-ipv4`` falls back
    on. ``public-keys/0/_name`` is how the tree lists that key (``0=<key name>``)."""
    if version == LATEST:
        version = EC2_VERSIONS[-1]
    if version not in EC2_VERSIONS:
        raise KeyError(version)
    fixed = spec.fixed_ips
    data: dict[str, Any] = {
        "ami-id": ec2_id(spec.image_id, "ami") if spec.image_id else None,
        "ami-launch-index": spec.launch_index,
        "ami-manifest-path": "FIXME",
        "instance-id": ec2_id(spec.uuid, "i"),
        "hostname": spec.full_hostname,
        "local-ipv4": fixed[0] if fixed else address,
        "reservation-id": spec.reservation_id,
        "security-groups": list(spec.security_groups),
    }
    key = spec.public_keys.get(spec.key_name) if spec.key_name else None
    if spec.key_name and key is not None:
        data["public-keys"] = {"0": {"_name": f"0={spec.key_name}", "openssh-key": key}}
    if since("2007-01-19", version, EC2_VERSIONS):
        data["local-hostname"] = spec.full_hostname
        data["public-hostname"] = spec.full_hostname
        data["public-ipv4"] = spec.floating_ips[0] if spec.floating_ips else ""
    if since("2007-08-29", version, EC2_VERSIONS):
        data["instance-type"] = spec.flavor_name
    if since("2007-12-15", version, EC2_VERSIONS):
        data["block-device-mapping"] = block_device_mapping(spec.root_device_name)
        if spec.kernel_id:
            data["kernel-id"] = ec2_id(spec.kernel_id, "aki")
        if spec.ramdisk_id:
            data["ramdisk-id"] = ec2_id(spec.ramdisk_id, "ari")
    if since("2008-02-01", version, EC2_VERSIONS):
        data["placement"] = {"availability-zone": spec.availability_zone}
    if since("2008-09-01", version, EC2_VERSIONS):
        data["instance-action"] = "none"
    tree: dict[str, Any] = {"meta-data": data}
    if spec.user_data is not None:
        tree["user-data"] = spec.user_data
    return tree


def block_device_mapping(root_device_name: str | None) -> dict[str, str]:
    """``nova.block_device.instance_block_mapping`` for a guest with one local disk (no
    volumes, ephemeral or swap disks)."""
    if root_device_name is None:
        return {"ami": "sda1", "root": "/dev/sda1"}
    return {"ami": root_device_name.removeprefix("/dev/"), "root": root_device_name}


# -- the config drive ----------------------------------------------------------------------


def config_drive_files(spec: InstanceMetadata, seed: bytes) -> dict[str, bytes]:
    """``{path: content}`` as Nova's ``metadata_for_config_drive`` yields it: the EC2 tree of
    the versions Nova keeps (``ec2/<version>/meta-data.json`` and ``user-data``), and every
    OpenStack version plus ``latest`` with exactly the files and keys Nova gives it (readers
    pick the newest version they know)."""
    files: dict[str, bytes] = {}
    for version in CONFIG_DRIVE_EC2_VERSIONS:
        tree = ec2_metadata(spec, version)
        if "user-data" in tree:
            files[f"ec2/{version}/user-data"] = tree["user-data"]
        meta = tree["meta-data"]
        if "public-keys" in meta:
            meta["public-keys"] = {"0": {"openssh-key": meta["public-keys"]["0"]["openssh-key"]}}
        files[f"ec2/{version}/meta-data.json"] = dump(meta)
    network_data = dump(network_metadata(spec.links))
    for version in (*VERSIONS, LATEST):
        base = f"openstack/{version}/"
        files[base + "meta_data.json"] = dump(meta_data(spec, version, seed))
        if spec.user_data is not None:
            files[base + "user_data"] = spec.user_data
        if since(HAVANA, version):
            files[base + "vendor_data.json"] = dump(vendor_data())
        if since(LIBERTY, version):
            files[base + "network_data.json"] = network_data
        if since(NEWTON_TWO, version):
            files[base + "vendor_data2.json"] = dump(vendor_data2())
    return dict(sorted(files.items()))
