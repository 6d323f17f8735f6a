"""Errors on the wire: every refusal, in one place, as the service that refuses words it.

A handler raises ``ostack_cli.errors`` exceptions (what the backend raises anyway) or, where
the service's status or type differs from the default, :class:`ApiFault`. ``fault_for`` maps
an exception to a status; each service's :class:`ErrorStyle` renders it:

- Keystone: ``{"error": {"code": 404, "message": "...", "title": "Not Found"}}``
- Nova: ``{"itemNotFound": {"code": 404, "message": "..."}}`` (``badRequest``, ``forbidden``,
  ``conflict``, ``overLimit``, ``computeFault``, ... by status)
- Neutron: ``{"NeutronError": {"type": "NetworkNotFound", "message": "...", "detail": ""}}``
- Glance: webob's HTML page, or ``{"message", "code", "title"}`` when the client accepts JSON

Checked against the real services (realstack); see docs/api.md.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from typing import Any

from ostack_cli.errors import (
    BackendUnavailable,
    BadRequest,
    CommandError,
    Conflict,
    DuplicateResource,
    Forbidden,
    NotFound,
    OstackError,
    QuotaExceeded,
    Unauthorized,
)

# http.HTTPStatus phrases, as webob spells them in titles and HTML pages.
REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict",
    410: "Gone", 413: "Request Entity Too Large", 415: "Unsupported Media Type",
    429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented",
    503: "Service Unavailable",
}
UNAUTHORIZED_MESSAGE = "The request you have made requires authentication."
NOT_FOUND_MESSAGE = "The resource could not be found."
INTERNAL_MESSAGE = "An unexpected error prevented the server from fulfilling your request."


class ApiFault(Exception):
    """An HTTP error in the service's own words. ``kind`` is Neutron's ``type`` (its
    exception's class name, ``NetworkInUse``); other services ignore it. ``headers`` go on
    the response (``Retry-After``, ...)."""

    def __init__(self, status: int, message: str, *, kind: str | None = None,
                 headers: dict[str, str] | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.headers = dict(headers or {})
        # More members of the error body (Keystone's ``identity`` of an auth plugin error).
        self.details = dict(details or {})


# The backend's exceptions and the status each means. QuotaExceeded depends on the service.
_STATUSES: tuple[tuple[type[OstackError], int], ...] = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (DuplicateResource, 409),
    (Conflict, 409),
    (BadRequest, 400),
    (CommandError, 400),
    (BackendUnavailable, 503),
)
# Nova refuses over quota with 403 (its QuotaError), Neutron with 409 (OverQuota), Glance
# with 413, Keystone with 413 (its limit exceptions).
QUOTA_STATUS = {"identity": 413, "compute": 403, "network": 409, "image": 413}


def fault_for(exc: BaseException, service: str) -> ApiFault:
    """The status and message of any exception a handler let out."""
    if isinstance(exc, ApiFault):
        return exc
    if isinstance(exc, QuotaExceeded):
        return ApiFault(QUOTA_STATUS.get(service, 413), exc.message, kind="OverQuota")
    if isinstance(exc, OstackError):
        for kind, status in _STATUSES:
            if isinstance(exc, kind):
                return ApiFault(status, exc.message)
        # Anything else the backend raises knowingly (a host fault, ...) is the server's.
        return ApiFault(500, exc.message)
    return ApiFault(500, INTERNAL_MESSAGE)


@dataclasses.dataclass(frozen=True)
class Rendered:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]


class ErrorStyle:
    """How one service words its errors. ``render`` is all a service module needs."""

    def render(self, fault: ApiFault, *, accept: str = "") -> Rendered:
        raise NotImplementedError


def _json(status: int, body: Any, fault: ApiFault,
          content_type: str = "application/json", *, compact: bool = False) -> Rendered:
    # flask's jsonify: compact, and a newline at the end.
    text = json.dumps(body, separators=(",", ":")) + "\n" if compact else json.dumps(body)
    return Rendered(status, content_type, text.encode(), dict(fault.headers))


class KeystoneErrors(ErrorStyle):
    """keystone/server/flask/application.py ``_handle_keystone_exception``."""

    def render(self, fault: ApiFault, *, accept: str = "") -> Rendered:
        title = REASONS.get(fault.status, "Error")
        error = {"code": fault.status, "message": fault.message, "title": title,
                 **fault.details}
        # flask's jsonify (keys sorted), unlike Keystone's resource bodies.
        body = {"error": dict(sorted(error.items()))}
        return _json(fault.status, body, fault, compact=True)


class NovaErrors(ErrorStyle):
    """nova/api/openstack/wsgi.py ``Fault``: the body's key names the status."""

    KEYS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
            405: "badMethod", 409: "conflict", 413: "overLimit", 415: "badMediaType",
            429: "overLimit", 501: "notImplemented", 503: "serviceUnavailable"}

    def render(self, fault: ApiFault, *, accept: str = "") -> Rendered:
        key = self.KEYS.get(fault.status, "computeFault")
        body = {key: {"code": fault.status, "message": fault.message}}
        return _json(fault.status, body, fault, "application/json; charset=UTF-8")


class NeutronErrors(ErrorStyle):
    """neutron/api/v2/base.py and neutron_lib's faults: ``type`` is the exception's class
    name. Without an explicit ``kind``: ``<Resource>NotFound`` from Neutron's "<Resource> <id>
    could not be found." text, ``PolicyNotAuthorized`` for policy refusals, else webob's
    ``HTTP<Reason>``."""

    _NOT_FOUND = re.compile(r"^([A-Z][A-Za-z ]*?) \S+ could not be found\.")
    # Neutron's exception classes for the conflicts and refusals the backend words as
    # Neutron does, by a piece of their message (neutron_lib/exceptions and l3).
    _KINDS = (
        ("There are one or more ports still in use on the network", "NetworkInUse"),
        ("One or more ports have an IP allocation from this subnet", "SubnetInUse"),
        ("has ports still attached", "RouterInUse"),
        ("cannot be removed because other objects depend on it", "RbacPolicyInUse"),
        ("An RBAC policy already exists", "DuplicateRbacPolicy"),
        ("subnet pools in use on the address scope", "AddressScopeInUse"),
        ("cannot be associated with address scope",
         "IllegalSubnetPoolAssociationToAddressScope"),
        ("because subnetpool ip_version is not",
         "IllegalSubnetPoolIpVersionAssociationToAddressScope"),
        ("within an address scope must have unique prefixes", "AddressScopePrefixConflict"),
        ("Unable to update address scope", "AddressScopeUpdateError"),
        ("must all participate in the same address scope", "NetworkAddressScopeAffinityError"),
        ("Unable to reconfigure sharing settings", "InvalidSharedSetting"),
        ("Security Group", "SecurityGroupInUse"),
        ("Security group rule already exists", "SecurityGroupRuleExists"),
        ("already allocated in subnet", "IpAddressAlreadyAllocated"),
        ("No more IP addresses available", "IpAddressGenerationFailure"),
        ("The mac address", "MacAddressInUse"),
        ("Port already has an attached device", "PortInUse"),
        ("in use by Port Forwarding resources", "FipInUseByPortForwarding"),
        ("Cannot associate floating IP", "FloatingIPPortAlreadyAssociated"),
        ("Found overlapping allocation pools", "OverlappingAllocationPools"),
        ("conflicts with allocation pool", "GatewayConflictWithAllocationPools"),
        ("already in use by port", "GatewayIpInUse"),
        ("Unable to delete subnet pool", "SubnetPoolDeleteError"),
        ("Illegal prefix bounds", "IllegalSubnetPoolPrefixBounds"),
        ("Illegal update to prefixes", "IllegalSubnetPoolPrefixUpdate"),
        ("Empty subnet pool prefix list", "EmptySubnetPoolPrefixList"),
        ("Cannot mix IPv4 and IPv6 prefixes", "PrefixVersionMismatch"),
        ("subnet pool prefix quota exceeded", "SubnetPoolQuotaExceeded"),
        ("minimum allowed prefix is", "MinPrefixSubnetAllocationError"),
        ("maximum allowed prefix is", "MaxPrefixSubnetAllocationError"),
    )

    def render(self, fault: ApiFault, *, accept: str = "") -> Rendered:
        body = {"NeutronError": {"type": fault.kind or self._kind(fault), "message":
                                 fault.message, "detail": ""}}
        return _json(fault.status, body, fault)

    def _kind(self, fault: ApiFault) -> str:
        if fault.status == 404:
            found = self._NOT_FOUND.match(fault.message)
            if found:
                # "Address scope" -> AddressScope, "Floating IP" -> FloatingIP.
                words = found.group(1).split()
                return "".join(w[:1].upper() + w[1:] for w in words) + "NotFound"
        if fault.status == 403 and fault.message.endswith("is disallowed by policy"):
            return "PolicyNotAuthorized"
        if fault.status in (400, 409):
            for piece, kind in self._KINDS:
                if piece in fault.message:
                    return kind
        return "HTTP" + REASONS.get(fault.status, "Error").replace(" ", "")


class GlanceErrors(ErrorStyle):
    """webob's error pages, as Glance sends them; JSON when the client asks for it
    (openstacksdk does)."""

    def render(self, fault: ApiFault, *, accept: str = "") -> Rendered:
        reason = REASONS.get(fault.status, "Error")
        status_line = f"{fault.status} {reason}"
        if "application/json" in accept:
            body = {"message": f"{fault.message}<br /><br />\n\n\n", "code": status_line,
                    "title": reason}
            return _json(fault.status, body, fault)
        page = webob_page(status_line, html.escape(fault.message))
        return Rendered(fault.status, "text/html; charset=UTF-8", page.encode(),
                        dict(fault.headers))


def webob_page(status_line: str, text: str) -> str:
    """webob.exc's HTML body for an error (Glance's, and Nova's for paths it has no route
    for)."""
    return (f"<html>\n <head>\n  <title>{status_line}</title>\n </head>\n <body>\n"
            f"  <h1>{status_line}</h1>\n  {text}<br /><br />\n\n\n\n </body>\n</html>")


GLANCE_UNAUTHORIZED = (
    "This server could not verify that you are authorized to access the document you "
    "requested. Either you supplied the wrong credentials (e.g., bad password), or your "
    "browser does not understand how to supply the credentials required."
)
