"""Pure renderers for one network's dnsmasq: the hosts file, the options file and the argv.

Modelled on Neutron's DHCP agent (``neutron/agent/linux/dhcp.py``), minus DNS. User data
never becomes a dnsmasq option: values only go into files whose line format we write, and
each value is checked against a strict grammar first (CVE-2021-40085 was DHCP-option text
with a newline that injected whole dnsmasq options). No value may hold a comma, a newline,
a space or anything dnsmasq would read as another field.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re

from ostack_cli.backend.local.domain_xml import check_ifname, check_ipv4, check_mac

DEFAULT_LEASE_SECONDS = 86400  # Neutron's dhcp_lease_duration
DEFAULT_DOMAIN = "openstacklocal"  # Neutron's dns_domain

# One RFC 1123 label: dnsmasq sends it as option 12 and the guest sets it as its hostname.
_HOSTNAME_RE = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)
# dnsmasq reads a bare number, optionally with a time unit, in a --dhcp-host line as a
# lease time, and "infinite"/"ignore" as keywords: such names would change the entry.
_DHCP_HOST_KEYWORD_RE = re.compile(r"\d+[smhdw]?|infinite|ignore", re.IGNORECASE)
_TAG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN_RE = re.compile(rf"{_LABEL}(\.{_LABEL})*")


def check_dhcp_hostname(hostname: str) -> str:
    if (
        not isinstance(hostname, str)
        or not _HOSTNAME_RE.fullmatch(hostname)
        or _DHCP_HOST_KEYWORD_RE.fullmatch(hostname)
    ):
        raise ValueError(f"invalid DHCP hostname {hostname!r}")
    return hostname


def check_tag(tag: str) -> str:
    if not isinstance(tag, str) or not _TAG_RE.fullmatch(tag):
        raise ValueError(f"invalid dnsmasq tag {tag!r}")
    return tag


def default_hostname(ip: str) -> str:
    """Neutron's name for a port without a DNS name: ``host-10-0-0-5``."""
    return "host-" + ip.replace(".", "-")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DhcpHost:
    """One port's fixed lease. ``hostname`` None gives Neutron's ``host-<ip>`` name."""

    mac: str
    ip: str
    hostname: str | None = None

    def __post_init__(self) -> None:
        check_mac(self.mac)
        check_ipv4(self.ip)
        if self.hostname is not None:
            check_dhcp_hostname(self.hostname)


@dataclasses.dataclass(frozen=True, kw_only=True)
class DhcpSubnet:
    """A DHCP-enabled IPv4 subnet; ``tag`` links its range to its options (``subnet-<id>``)."""

    cidr: str
    tag: str
    gateway: str | None = None
    dns_nameservers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _ = self.network  # validates the CIDR
        check_tag(self.tag)
        if self.gateway is not None:
            check_ipv4(self.gateway, "gateway")
        if isinstance(self.dns_nameservers, str):
            raise ValueError("dns_nameservers must be a tuple of addresses, not a string")
        for server in self.dns_nameservers:
            check_ipv4(server, "DNS server")

    @property
    def network(self) -> ipaddress.IPv4Network:
        try:
            return ipaddress.IPv4Network(self.cidr, strict=True)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"invalid IPv4 CIDR {self.cidr!r}") from exc


def render_hosts_file(hosts: list[DhcpHost] | tuple[DhcpHost, ...]) -> str:
    """--dhcp-hostsfile: ``mac,hostname,ip`` per port, sorted by address then MAC.

    A MAC or an IP given twice is refused: dnsmasq would silently keep only one entry.
    """
    ordered = sorted(hosts, key=lambda h: (ipaddress.IPv4Address(h.ip), check_mac(h.mac)))
    macs = [check_mac(h.mac) for h in ordered]
    for kind, values in (("MAC", macs), ("IP", [h.ip for h in ordered])):
        if len(set(values)) != len(values):
            duplicates = sorted({v for v in values if values.count(v) > 1})
            raise ValueError(f"duplicate {kind} address in DHCP hosts: {', '.join(duplicates)}")
    return "".join(
        f"{mac},{h.hostname or default_hostname(h.ip)},{h.ip}\n"
        for mac, h in zip(macs, ordered, strict=True)
    )


def render_opts_file(subnets: list[DhcpSubnet] | tuple[DhcpSubnet, ...]) -> str:
    """--dhcp-optsfile: router and DNS servers per subnet tag, sorted by tag.

    A subnet without a gateway gets an empty router option, as Neutron writes it, so the
    guest installs no default route. Without DNS servers no option 6 is sent (with
    ``--port=0`` dnsmasq does not offer itself), so the guest keeps whatever it has.
    """
    _check_unique_tags(subnets)
    lines = []
    for subnet in sorted(subnets, key=lambda s: s.tag):
        router = f",{subnet.gateway}" if subnet.gateway else ""
        lines.append(f"tag:{subnet.tag},option:router{router}\n")
        if subnet.dns_nameservers:
            servers = ",".join(subnet.dns_nameservers)
            lines.append(f"tag:{subnet.tag},option:dns-server,{servers}\n")
    return "".join(lines)


def _check_unique_tags(subnets: list[DhcpSubnet] | tuple[DhcpSubnet, ...]) -> None:
    tags = [s.tag for s in subnets]
    if len(set(tags)) != len(tags):
        raise ValueError(f"duplicate subnet tags: {sorted(tags)}")


def _check_file(path: str, what: str) -> str:
    if not path.startswith("/") or any(c in path for c in "\n\r\0,"):
        raise ValueError(f"invalid {what} {path!r}: need an absolute path without , or newlines")
    return path


def dnsmasq_argv(
    *,
    interface: str,
    pid_file: str,
    hosts_file: str,
    opts_file: str,
    lease_file: str,
    subnets: list[DhcpSubnet] | tuple[DhcpSubnet, ...],
    domain: str | None = DEFAULT_DOMAIN,
    lease_seconds: int = DEFAULT_LEASE_SECONDS,
    mtu: int | None = None,
    user: str = "nobody",
    log_file: str | None = None,
    dnsmasq: str = "/usr/sbin/dnsmasq",
) -> list[str]:
    """The command line for a DHCP-only dnsmasq bound to one bridge.

    dnsmasq daemonises itself (no ``--keep-in-foreground``) because the CLI that starts it
    exits right away; the driver finds it again through ``--pid-file`` and stops it with
    SIGTERM, and sends SIGHUP after rewriting the hosts or options file. ``--conf-file=
    /dev/null`` keeps /etc/dnsmasq.conf and /etc/dnsmasq.d out; ``--bind-interfaces`` with
    ``--interface`` lets one dnsmasq per network share the host; ``static`` ranges lease only
    to the MACs in the hosts file; ``--dhcp-authoritative`` NAKs stale leases at once (we
    are the only server on our bridges) instead of letting a rebooted guest wait for a
    timeout. dnsmasq drops to ``user`` after opening its pid, lease and log files as root,
    but re-reads the hosts and options files as ``user`` on SIGHUP: they and their
    directories must stay readable by it.
    """
    check_ifname(interface, "interface name")
    _check_unique_tags(subnets)
    if not subnets:
        raise ValueError("dnsmasq needs at least one DHCP-enabled subnet")
    if lease_seconds < 120:
        raise ValueError(f"lease time {lease_seconds}s is below dnsmasq's minimum of 120s")
    if mtu is not None and not 68 <= mtu <= 65535:
        raise ValueError(f"invalid MTU {mtu}: must be 68-65535")
    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", user):
        raise ValueError(f"invalid user name {user!r}")
    argv = [
        _check_file(dnsmasq, "dnsmasq path"),
        "--conf-file=/dev/null",
        "--no-hosts",
        "--no-resolv",
        "--port=0",
        "--bind-interfaces",
        f"--interface={interface}",
        "--except-interface=lo",
        f"--pid-file={_check_file(pid_file, 'pid file')}",
        f"--dhcp-hostsfile={_check_file(hosts_file, 'hosts file')}",
        f"--dhcp-optsfile={_check_file(opts_file, 'options file')}",
        f"--dhcp-leasefile={_check_file(lease_file, 'lease file')}",
        "--dhcp-authoritative",
        f"--user={user}",
    ]
    for subnet in sorted(subnets, key=lambda s: s.tag):
        net = subnet.network
        argv.append(
            f"--dhcp-range=set:{subnet.tag},{net.network_address},static,"
            f"{net.netmask},{lease_seconds}s"
        )
    if mtu is not None:
        argv.append(f"--dhcp-option-force=option:mtu,{mtu}")
    if domain is not None:
        if not _DOMAIN_RE.fullmatch(domain) or len(domain) > 253:
            raise ValueError(f"invalid DNS domain {domain!r}")
        argv.append(f"--domain={domain}")
    if log_file is not None:
        argv += ["--log-dhcp", f"--log-facility={_check_file(log_file, 'log file')}"]
    return argv
