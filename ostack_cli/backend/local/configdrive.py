"""The config drive: Nova's ``openstack/<version>/*`` files and the ``config-2`` ISO.

``build_config_drive`` is pure (the random seed is injectable) and returns what Nova's
``InstanceMetadata.metadata_for_config_drive`` yields for the OpenStack tree, in Nova's JSON
shape and key order, so cloud-init, glean and cloudbase-init read it as on a real cloud.
The ``ec2/`` tree (the same facts in EC2's shape) is not written: all three read
``openstack/``. Nor is ``admin_pass`` (no password injection). ``write_iso`` is the one
function that touches the filesystem.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import ipaddress
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ostack_cli.backend.local.domain_xml import check_ifname, check_ipv4, check_mac

VOLUME_ID = "config-2"
RANDOM_SEED_BYTES = 512

# Nova's OpenStack metadata versions (nova/api/metadata/base.py) and what each one added.
FOLSOM, GRIZZLY, HAVANA, LIBERTY = "2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15"
NEWTON_ONE, NEWTON_TWO, OCATA, ROCKY = "2016-06-30", "2016-10-06", "2017-02-22", "2018-08-27"
VICTORIA, EPOXY = "2020-10-14", "2025-04-04"
VERSIONS = (FOLSOM, GRIZZLY, HAVANA, LIBERTY, NEWTON_ONE, NEWTON_TWO, OCATA, ROCKY, VICTORIA, EPOXY)
LATEST = "latest"

_LABEL_RE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def sanitize_hostname(name: str, default: str | None = None) -> str:
    """A hostname from a display name, by Nova's rules (``nova.utils.sanitize_hostname``).

    Spaces, ``_`` and ``.`` become ``-``, other characters outside ``[a-z0-9-]`` are dropped,
    the result is lowercased, stripped of ``-``/``.`` at both ends and cut to 63 characters
    (dnsmasq's limit). One deliberate difference: Nova keeps Latin-1 letters (``café``), which
    no resolver or dnsmasq accepts; here accents are folded (``cafe``) and other non-ASCII
    dropped. An empty result gives ``default`` (Nova passes ``Server-<uuid>``), or "".
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    hostname = re.sub(r"[ _.]", "-", ascii_name).lower()
    hostname = re.sub(r"[^a-z0-9-]+", "", hostname).strip("-")
    hostname = hostname[:63].rstrip("-")
    if not hostname and default is not None:
        return default[:63]
    return hostname


def check_hostname(hostname: str) -> str:
    """RFC 1123: dot-separated labels of letters, digits and inner hyphens."""
    if (
        not isinstance(hostname, str)
        or len(hostname) > 253
        or not all(_LABEL_RE.fullmatch(label) for label in hostname.split("."))
    ):
        raise ValueError(f"invalid hostname {hostname!r}")
    return hostname


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


def link_id(port_id: str) -> str:
    """Nova's name for a port's link in network_data.json: ``tap`` + the port ID's first 11
    characters (its tap device name in a Nova host; only an identifier to the guest)."""
    return check_ifname("tap" + port_id[:11], "link id")


def _check_network(cidr: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(cidr, strict=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid IPv4 CIDR {cidr!r}") from exc


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConfigDriveSpec:
    uuid: str
    name: str
    hostname: str
    project_id: str
    public_keys: Mapping[str, str] = dataclasses.field(default_factory=dict)
    user_data: bytes | None = None
    availability_zone: str = "nova"
    launch_index: int = 0
    links: tuple[NetworkLinkSpec, ...] = ()
    meta: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Nova's [api] dhcp_domain default: meta_data.json says "<hostname>.novalocal".
    dhcp_domain: str | None = "novalocal"

    def __post_init__(self) -> None:
        check_hostname(self.hostname)
        if self.dhcp_domain is not None:
            check_hostname(self.dhcp_domain)


def build_config_drive(
    spec: ConfigDriveSpec, *, random_seed: bytes | None = None
) -> dict[str, bytes]:
    """``{path: content}`` for every OpenStack metadata version Nova serves, plus ``latest``.

    Each version carries exactly the files and keys Nova gives it: readers pick the newest
    version they know (cloud-init would otherwise settle for an older dated directory).
    """
    seed = os.urandom(RANDOM_SEED_BYTES) if random_seed is None else random_seed
    network_data = _dump(network_metadata(spec.links))
    files: dict[str, bytes] = {}
    for version in (*VERSIONS, LATEST):
        base = f"openstack/{version}/"
        files[base + "meta_data.json"] = _dump(_meta_data(spec, version, seed))
        if spec.user_data is not None:
            files[base + "user_data"] = spec.user_data
        if _since(HAVANA, version):
            files[base + "vendor_data.json"] = _dump({})
        if _since(LIBERTY, version):
            files[base + "network_data.json"] = network_data
        if _since(NEWTON_TWO, version):
            files[base + "vendor_data2.json"] = _dump({})
    return dict(sorted(files.items()))


def _since(first: str, version: str) -> bool:
    return version == LATEST or version >= first


def _dump(value: Any) -> bytes:
    # oslo's jsonutils.dump_as_bytes: json.dumps defaults (", " / ": ", ASCII escapes).
    return json.dumps(value).encode("utf-8")


def _meta_data(spec: ConfigDriveSpec, version: str, seed: bytes) -> dict[str, Any]:
    """meta_data.json in the key order of Nova's ``_metadata_as_json``."""
    data: dict[str, Any] = {"uuid": spec.uuid}
    if spec.meta:
        data["meta"] = dict(spec.meta)
    if spec.public_keys:
        names = sorted(spec.public_keys)
        data["public_keys"] = {name: spec.public_keys[name] for name in names}
        data["keys"] = [
            {"name": name, "type": "ssh", "data": spec.public_keys[name]} for name in names
        ]
    hostname = spec.hostname
    if spec.dhcp_domain:
        hostname = f"{hostname}.{spec.dhcp_domain}"
    data["hostname"] = hostname
    data["name"] = spec.name
    data["launch_index"] = spec.launch_index
    data["availability_zone"] = spec.availability_zone
    if _since(GRIZZLY, version):
        data["random_seed"] = base64.b64encode(seed).decode("ascii")
    if _since(LIBERTY, version):
        data["project_id"] = spec.project_id
    if _since(NEWTON_ONE, version):
        data["devices"] = []
    if _since(VICTORIA, version):
        data["dedicated_cpus"] = []
    return data


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
    link: NetworkLinkSpec, net_id: str, link_id: str, services: list[dict[str, str]]
) -> dict[str, Any]:
    if link.dhcp:
        return {"id": net_id, "type": "ipv4_dhcp", "link": link_id, "network_id": link.network_id}
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
        "link": link_id,
        "ip_address": link.ip_address,
        "netmask": str(_check_network(link.cidr).netmask),
        "routes": routes,
        "network_id": link.network_id,
        "services": services,
    }


def write_iso(files: Mapping[str, bytes], path: str | os.PathLike[str]) -> None:
    """Write ``files`` as an ISO 9660 image labelled ``config-2``, atomically.

    ISO 9660:1999 (level 4) names plus Rock Ridge (Linux) and Joliet (Windows) keep names
    such as ``vendor_data2.json`` and ``2012-08-10`` intact, as genisoimage's ``-r -J -l``
    does for Nova. The image goes to a temporary file next to ``path`` that is renamed into
    place, so a reader never sees half an image. The file is created 0600 (it may hold
    user data); libvirt's dynamic ownership hands it to QEMU when the domain starts.
    """
    import pycdlib  # only the driver needs it; keep CLI start-up light

    entries = {_check_iso_path(name): data for name, data in files.items()}
    directories = sorted(
        {
            "/".join(parts[:i])
            for parts in (name.split("/") for name in entries)
            for i in range(1, len(parts))
        }
    )
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=4, joliet=3, rock_ridge="1.09", vol_ident=VOLUME_ID)
    for directory in directories:
        iso.add_directory(
            "/" + directory, rr_name=directory.rsplit("/", 1)[-1], joliet_path="/" + directory
        )
    for name in sorted(entries):
        data = entries[name]
        iso.add_fp(
            io.BytesIO(data),
            len(data),
            "/" + name,
            rr_name=name.rsplit("/", 1)[-1],
            joliet_path="/" + name,
        )
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            iso.write_fp(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    finally:
        iso.close()


def _check_iso_path(name: str) -> str:
    parts = name.split("/")
    if any(part in ("", ".", "..") or len(part) > 64 for part in parts):
        # 64 is Joliet's limit for one name.
        raise ValueError(f"invalid config drive path {name!r}")
    return name
