"""Nova's console authorization rules, pure: a token, the URL that carries it, and whether a
connection that presents it may go through.

``console url show`` makes tokens (``consoles.Consoles``); the console proxy
(``console_proxy``) admits connections. As nova-consoleauth (Nova's ``ConsoleAuthToken``):
a token is a random UUID, stored only as its SHA-256; it is good for ``TOKEN_TTL`` seconds
and may be used again until then (noVNC reconnects with it); it names one guest and the
port that guest's display had when the token was made, and a connection is let through only
while that same guest still listens on that same port (Nova's ``validate_console_port``), so
a token can never reach another guest that took the port over.
"""

from __future__ import annotations

import hashlib
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import cookies
from urllib.parse import parse_qs, urlencode, urlparse

from ostack_cli.backend.models.console import ConsoleAuthToken

TOKEN_TTL = 600  # Nova's [consoleauth] token_ttl: ten minutes

# The protocol of each console type, as openstacksdk fills it in for the real client.
PROTOCOLS = {
    "novnc": "vnc",
    "xvpvnc": "vnc",
    "spice-html5": "spice",
    "spice-direct": "spice",
    "rdp-html5": "rdp",
    "serial": "serial",
    "webmks": "mks",
}
# Which of a guest's displays each console type the proxy serves connects to.
DISPLAYS = {"novnc": "vnc", "spice-html5": "spice"}
SERIAL = "serial"
# The page of each web client the proxy serves (Nova's *_base_url defaults use these).
PAGES = {"novnc": "vnc_lite.html", "spice-html5": "spice_auto.html"}


class Refused(Exception):
    """The proxy must not let this connection through; the message says why (never the
    token)."""


def new_token() -> str:
    return str(uuid.uuid4())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def url_base(console_type: str, address: str, port: int) -> str:
    """Nova's ``novncproxy_base_url``, ``html5proxy_base_url`` and ``serial_console
    base_url``, for a proxy that serves all three on one address and port."""
    if console_type == SERIAL:
        return f"ws://{address}:{port}/"
    return f"http://{address}:{port}/{PAGES[console_type]}"


def access_url(console_type: str, base: str, token: str) -> str:
    """The URL that carries ``token`` (Nova's ``ConsoleAuthToken.access_url``): noVNC 1.1+
    takes the websocket's path, with the token in it, from its ``path`` parameter."""
    if console_type != "novnc":
        return f"{base}?token={token}"
    parsed = urlparse(base)
    params = parse_qs(parsed.query)
    params["path"] = [f"{params.get('path', [''])[0]}?token={token}"]
    return parsed._replace(query=urlencode(params, doseq=True)).geturl()


def make_token(
    *, instance_uuid: str, console_type: str, port: int | None, access_url_base: str,
    now: float, created_at: str, ttl: int = TOKEN_TTL,
) -> tuple[str, ConsoleAuthToken]:
    """A new token and the record that stands for it (by its hash only)."""
    token = new_token()
    record = ConsoleAuthToken(
        id=token_hash(token), instance_uuid=instance_uuid, console_type=console_type,
        port=port, access_url_base=access_url_base, expires=int(now) + ttl,
        created_at=created_at,
    )
    return token, record


def token_from(path: str, cookie_header: str | None) -> str:
    """The token a connection presents: the ``token`` query parameter of its path, else a
    ``token`` cookie (the SPICE client sets one), as Nova's proxy reads it."""
    token = (parse_qs(urlparse(path).query).get("token") or [""])[-1]
    if token or not cookie_header:
        return token
    jar: cookies.SimpleCookie = cookies.SimpleCookie()
    for part in cookie_header.split(";"):
        try:
            jar.load(part.strip())
        except cookies.CookieError:
            continue  # a malformed cookie is skipped, as Nova does
    return jar["token"].value if "token" in jar else ""


def origin_allowed(origin: str | None, host_header: str | None, access_url_base: str) -> bool:
    """Nova's origin check: a browser's ``Origin`` must name the host it connected to, with
    the scheme of the console's URL (ws and wss count as http and https). No ``Origin``: not
    a browser, which is fine."""
    if origin is None:
        return True
    parsed = urlparse(origin)
    expected = urlparse(f"//{host_header or ''}").hostname
    if not parsed.hostname or not parsed.scheme or parsed.hostname != expected:
        return False
    scheme = urlparse(access_url_base).scheme
    allowed = {scheme, {"ws": "http", "wss": "https"}.get(scheme, scheme)}
    return parsed.scheme in allowed


@dataclass(frozen=True)
class GuestConsole:
    """What the host shows of a token's guest when a connection comes: whether it runs, and
    the ports of its displays as its live definition has them (-1: none yet)."""

    running: bool
    ports: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """Where an admitted connection goes: a display's port, or the guest's serial console."""

    instance_uuid: str
    console_type: str
    port: int | None = None  # None: the serial console (a libvirt stream)


def admit(record: ConsoleAuthToken | None, guest: GuestConsole | None, now: float) -> Target:
    """The target of a connection presenting the token ``record`` stands for (None: a token
    nobody made); raises Refused when it must not go through."""
    if record is None:
        raise Refused("no such token")
    if record.expires <= now:
        raise Refused("the token has expired")
    if guest is None:
        raise Refused(f"the token's guest {record.instance_uuid} is gone")
    if record.console_type == SERIAL:
        if not guest.running:
            raise Refused(f"the token's guest {record.instance_uuid} is not running")
        return Target(record.instance_uuid, record.console_type)
    display = DISPLAYS.get(record.console_type)
    if display is None:
        raise Refused(f"console type {record.console_type} is not served here")
    port = guest.ports.get(display, -1)
    if not guest.running or port <= 0 or port != record.port:
        # Restarted on another port, stopped, or its port now another guest's: the token
        # was made for a display that is no longer there.
        raise Refused(f"the token's guest {record.instance_uuid} no longer has that "
                      f"{display} display")
    return Target(record.instance_uuid, record.console_type, port)


def display_ports(domain_xml: str) -> dict[str, int]:
    """The port of each display in a domain's definition (Nova's libvirt driver reads the
    live XML the same way); -1 where libvirt has not given one (the guest is not running)."""
    ports: dict[str, int] = {}
    for graphics in ET.fromstring(domain_xml).findall("devices/graphics"):
        kind, port = graphics.get("type"), graphics.get("port", "-1")
        if kind and kind not in ports:
            ports[kind] = int(port) if port.lstrip("-").isdigit() else -1
    return ports
