"""Host settings of the local backend: ``ostack.conf`` in the state directory or /etc/ostack.

```
[compute]
virt_type = kvm | qemu        # default: probed once, then cached in the store
libvirt_uri = qemu:///system
shutdown_timeout = 60         # seconds a guest gets to power off before it is pulled
[network]
uplink_interface = eth0       # opt-in: NAT the external network out of this interface
host_access = false           # opt-in: guests and external ranges may connect to the host
[console]
proxy_address = 127.0.0.1     # where the console proxy listens, and the host in its URLs
proxy_port = 6080             # default: the first free of 6080-6099
token_ttl = 600               # seconds a console URL's token is good for (Nova's default)
```
Environment variables OSTACK_VIRT_TYPE, OSTACK_LIBVIRT_URI, OSTACK_SHUTDOWN_TIMEOUT,
OSTACK_UPLINK_INTERFACE, OSTACK_HOST_ACCESS, OSTACK_CONSOLE_ADDRESS, OSTACK_CONSOLE_PORT and
OSTACK_CONSOLE_TOKEN_TTL override the file.
"""

from __future__ import annotations

import configparser
import dataclasses
import ipaddress
import os
import re
from collections.abc import Callable
from pathlib import Path

from ostack_cli.errors import OstackError

VIRT_TYPES = ("kvm", "qemu")
# The console proxy's ports when none is set: nova-novncproxy's 6080, or the next free one
# (several stores on one host, such as the tests', each run a proxy of their own).
CONSOLE_PORTS = range(6080, 6100)
BOOLEANS = {"true": True, "yes": True, "on": True, "1": True,
            "false": False, "no": False, "off": False, "0": False}


@dataclasses.dataclass(frozen=True)
class HostSettings:
    virt_type: str | None = None
    libvirt_uri: str = "qemu:///system"
    shutdown_timeout: float = 60.0
    uplink_interface: str | None = None
    host_access: bool = False
    console_address: str = "127.0.0.1"
    console_port: int | None = None  # None: the first free port of CONSOLE_PORTS
    console_token_ttl: int = 600


def load(state_dir: Path) -> HostSettings:
    parser = configparser.ConfigParser()
    parser.read([Path("/etc/ostack/ostack.conf"), state_dir / "ostack.conf"])

    def get(section: str, key: str, env: str) -> str | None:
        value = os.environ.get(env) or parser.get(section, key, fallback=None)
        return value.strip() if value else None

    virt_type = get("compute", "virt_type", "OSTACK_VIRT_TYPE")
    if virt_type is not None and virt_type not in VIRT_TYPES:
        raise OstackError(
            f"virt_type must be one of {', '.join(VIRT_TYPES)}, not {virt_type!r}.",
            "Fix [compute] virt_type in ostack.conf or OSTACK_VIRT_TYPE.",
        )
    timeout = get("compute", "shutdown_timeout", "OSTACK_SHUTDOWN_TIMEOUT")
    try:
        shutdown_timeout = float(timeout) if timeout else 60.0
    except ValueError:
        raise OstackError(
            f"shutdown_timeout must be a number of seconds, not {timeout!r}."
        ) from None
    uplink = get("network", "uplink_interface", "OSTACK_UPLINK_INTERFACE")
    if uplink is not None and not re.fullmatch(r"[A-Za-z0-9_.@-]{1,15}", uplink):
        raise OstackError(
            f"uplink_interface must be a network interface name, not {uplink!r}.",
            "Fix [network] uplink_interface in ostack.conf or OSTACK_UPLINK_INTERFACE.",
        )
    access = (get("network", "host_access", "OSTACK_HOST_ACCESS") or "false").lower()
    if access not in BOOLEANS:
        raise OstackError(
            f"host_access must be true or false, not {access!r}.",
            "Fix [network] host_access in ostack.conf or OSTACK_HOST_ACCESS.",
        )
    console_address, console_port = _console(get)
    ttl = get("console", "token_ttl", "OSTACK_CONSOLE_TOKEN_TTL") or "600"
    if not ttl.isdigit():
        raise OstackError(
            f"token_ttl must be a number of seconds, not {ttl!r}.",
            "Fix [console] token_ttl in ostack.conf or OSTACK_CONSOLE_TOKEN_TTL.",
        )
    return HostSettings(
        virt_type=virt_type,
        libvirt_uri=get("compute", "libvirt_uri", "OSTACK_LIBVIRT_URI") or "qemu:///system",
        shutdown_timeout=shutdown_timeout,
        uplink_interface=uplink,
        host_access=BOOLEANS[access],
        console_address=console_address,
        console_port=console_port,
        console_token_ttl=int(ttl),
    )


def _console(get: Callable[[str, str, str], str | None]) -> tuple[str, int | None]:
    address = get("console", "proxy_address", "OSTACK_CONSOLE_ADDRESS") or "127.0.0.1"
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        raise OstackError(
            f"proxy_address must be an IPv4 address, not {address!r}.",
            "Fix [console] proxy_address in ostack.conf or OSTACK_CONSOLE_ADDRESS.",
        ) from None
    port = get("console", "proxy_port", "OSTACK_CONSOLE_PORT")
    if port is None:
        return address, None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise OstackError(
            f"proxy_port must be a TCP port number, not {port!r}.",
            "Fix [console] proxy_port in ostack.conf or OSTACK_CONSOLE_PORT.",
        )
    return address, int(port)
