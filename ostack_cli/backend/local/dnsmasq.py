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

from ostack_cli.backend.local.host_values import check_ifname, check_ipv4, check_mac

DEFAULT_LEASE_SECONDS = 86400  # Neutron's dhcp_lease_duration
DEFAULT_DOMAIN = "openstacklocal"  # Neutron's dns_domain
WIN2K3_STATIC_ROUTES = 249  # the agent's WIN2k3_STATIC_DNS: option 121 for old Windows
METADATA_CIDR = "169.254.169.254/32"

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
    """A DHCP-enabled IPv4 subnet; ``tag`` links its range to its options (``subnet-<id>``).

    ``gateway`` may lie outside the subnet, as Neutron allows; it is handed out as it is.
    ``host_routes`` are the subnet's (destination CIDR, next hop). ``isolated``: no router
    holds the subnet's gateway address (the agent's ``get_isolated_subnets``);
    ``metadata_server``: the DHCP server's address on the subnet when it serves metadata to
    isolated subnets (the agent's ``enable_isolated_metadata``), None when it does not.
    """

    cidr: str
    tag: str
    gateway: str | None = None
    dns_nameservers: tuple[str, ...] = ()
    host_routes: tuple[tuple[str, str], ...] = ()
    isolated: bool = True
    metadata_server: str | None = None

    def __post_init__(self) -> None:
        _ = self.network  # validates the CIDR
        check_tag(self.tag)
        if self.gateway is not None:
            check_ipv4(self.gateway, "gateway")
        for name, values in (("dns_nameservers", self.dns_nameservers),
                             ("host_routes", self.host_routes)):
            if isinstance(values, str):
                raise ValueError(f"{name} must be a tuple, not a string")
        for server in self.dns_nameservers:
            check_ipv4(server, "DNS server")
        for destination, nexthop in self.host_routes:
            _check_cidr(destination, "route destination")
            check_ipv4(nexthop, "route next hop")
        if self.metadata_server is not None:
            check_ipv4(self.metadata_server, "metadata server")

    @property
    def network(self) -> ipaddress.IPv4Network:
        return _check_cidr(self.cidr, "IPv4 CIDR")


def _check_cidr(cidr: str, what: str) -> ipaddress.IPv4Network:
    """An IPv4 network in its canonical spelling (what dnsmasq is given, verbatim)."""
    try:
        net = ipaddress.IPv4Network(cidr, strict=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid {what} {cidr!r}") from exc
    if str(net) != cidr:
        raise ValueError(f"invalid {what} {cidr!r}: write it as {net}")
    return net


def render_hosts_file(hosts: list[DhcpHost] | tuple[DhcpHost, ...]) -> str:
    """--dhcp-hostsfile: ``mac,hostname,ip`` per fixed IP, sorted by address then MAC.

    A port with addresses on several DHCP subnets has a line for each, as Neutron's agent
    writes them (dnsmasq offers the one of the subnet asked on). An IP given twice, or one
    MAC and IP twice, is refused: dnsmasq would silently keep only one entry.
    """
    ordered = sorted(hosts, key=lambda h: (ipaddress.IPv4Address(h.ip), check_mac(h.mac)))
    macs = [check_mac(h.mac) for h in ordered]
    pairs = [f"{mac} {h.ip}" for mac, h in zip(macs, ordered, strict=True)]
    for kind, values in (("MAC and IP", pairs), ("IP", [h.ip for h in ordered])):
        if len(set(values)) != len(values):
            duplicates = sorted({v for v in values if values.count(v) > 1})
            raise ValueError(f"duplicate {kind} address in DHCP hosts: {', '.join(duplicates)}")
    return "".join(
        f"{mac},{h.hostname or default_hostname(h.ip)},{h.ip}\n"
        for mac, h in zip(macs, ordered, strict=True)
    )


def render_opts_file(subnets: list[DhcpSubnet] | tuple[DhcpSubnet, ...]) -> str:
    """--dhcp-optsfile: each subnet's options, by tag, as Neutron's DHCP agent writes them
    (``Dnsmasq._generate_opts_per_subnet``).

    Per subnet: its DNS servers; its routes as a classless static route (option 121, and 249
    for old Windows), each other subnet of the network on-link ahead of them and the default
    route through the gateway after; and the router option. The route to the metadata
    service (169.254.169.254/32) follows the subnet's own routes: through the DHCP server
    for an isolated subnet when it serves metadata, through the gateway (the router's
    proxy) for one a router holds the gateway of. A host route to 0.0.0.0/0 stands
    in for a missing gateway. A gateway outside the subnet is handed out as it is, with no
    route of its own: the agent makes it on-link only in its own namespace, and a guest
    reaches it on-link only where another subnet of the network holds it. A subnet without a
    gateway gets an empty router option, so the guest installs no default route. Without
    DNS servers no option 6 is sent (with ``--port=0`` dnsmasq does not offer itself).
    """
    _check_unique_tags(subnets)
    ordered = sorted(subnets, key=lambda s: s.tag)
    lines = []
    for subnet in ordered:
        if subnet.dns_nameservers:
            servers = ",".join(subnet.dns_nameservers)
            lines.append(f"tag:{subnet.tag},option:dns-server,{servers}\n")
        gateway, routes = _routes(subnet, [s for s in ordered if s is not subnet])
        if routes:
            text = ",".join(routes)
            lines.append(f"tag:{subnet.tag},option:classless-static-route,{text}\n")
            lines.append(f"tag:{subnet.tag},{WIN2K3_STATIC_ROUTES},{text}\n")
        router = f",{gateway}" if gateway else ""
        lines.append(f"tag:{subnet.tag},option:router{router}\n")
    return "".join(lines)


def _routes(subnet: DhcpSubnet, others: list[DhcpSubnet]) -> tuple[str | None, list[str]]:
    """The subnet's gateway and its classless static routes, in the agent's order."""
    gateway = subnet.gateway
    routes = []
    for destination, nexthop in subnet.host_routes:
        if destination == "0.0.0.0/0":
            gateway = gateway or nexthop
        else:
            routes.append(f"{destination},{nexthop}")
    metadata = subnet.metadata_server if subnet.isolated else gateway
    if metadata:
        routes.append(f"{METADATA_CIDR},{metadata}")
    # The agent inserts each other subnet at the front, so they end up in reverse order.
    routes = [f"{other.cidr},0.0.0.0" for other in reversed(others)
              if other.cidr != subnet.cidr] + routes
    if routes and gateway:
        routes.append(f"0.0.0.0/0,{gateway}")
    return gateway, routes


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
