"""One request to the metadata service, answered as a guest gets it from Neutron and Nova.

The chain on a real cloud is haproxy in the namespace, Neutron's metadata agent
(``neutron/agent/metadata/proxy_base.py``, ``neutron/common/metadata.py``), then Nova's
``MetadataRequestHandler`` (``nova/api/metadata/handler.py``, ``password.py``). Here it is one
function, and the requester is only ever the address the kernel gave the connection (the
firewall's anti-spoofing guarantees it is the port's): headers such as ``X-Forwarded-For``,
``X-Instance-ID`` or ``X-Instance-ID-Signature`` are never read (OSSN-0074).

- Neutron finds the one port with that address on the proxy's network (or its router's
  networks); none: the agent's own 404 (``Instance was not found on network <id>.``).
- Nova answers ``/`` with the EC2 versions; otherwise the port's instance's metadata at the
  path (``paths.lookup``), webob's 404 page for a path that holds nothing (Neutron passes
  Nova's answers through), and the password path by method.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Protocol

from ostack_cli.metadata import paths
from ostack_cli.metadata.content import InstanceMetadata
from ostack_cli.metadata.records import MAX_PASSWORD_SIZE, Scope

TEXT_UTF8 = "text/plain; charset=UTF-8"
HTML_UTF8 = "text/html; charset=UTF-8"
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict",
           500: "Internal Server Error"}
# webob's explanations for the statuses Nova raises without one of its own.
NOT_FOUND = "The resource could not be found."
CONFLICT = "There was a conflict when trying to complete your request."
SERVER_ERROR = ("The server has either erred or is incapable of performing the requested "
                "operation.")


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-decoded, without the query (WSGI's PATH_INFO)
    address: str  # the connection's source address: who asks
    body: bytes = b""
    content_length: int = 0


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes

    @property
    def status_line(self) -> str:
        return f"{self.status} {REASONS[self.status]}"


class Instances(Protocol):
    """What the handler needs of the store."""

    def find(self, scope: Scope, address: str) -> tuple[str, str] | None:
        """(instance ID, project ID) of the one port with ``address`` in ``scope``."""

    def metadata(self, instance_id: str, project_id: str) -> InstanceMetadata | None:
        """The instance's metadata; None if it is gone or not the project's."""

    def save_password(self, instance_id: str, password: str) -> bool:
        """Store what the guest posted; False if the instance is gone."""


def handle(request: Request, scope: Scope, instances: Instances) -> Response:
    found = instances.find(scope, request.address)
    if found is None:
        return _agent_not_found(scope)
    if os.path.normpath(request.path) == "/":
        return Response(200, TEXT_UTF8, str(paths.print_tree(
            [*paths.EC2_VERSIONS, paths.LATEST])).encode())
    meta = instances.metadata(*found)
    if meta is None:
        return _webob(404, NOT_FOUND)
    try:
        item = paths.lookup(meta, request.path, address=request.address)
    except paths.PathNotFound:
        return _webob(404, NOT_FOUND)
    except paths.PathBroken:
        return _webob(500, SERVER_ERROR)
    if isinstance(item, paths.Item):
        content_type = TEXT_UTF8 if item.content_type == paths.TEXT_PLAIN else item.content_type
        return Response(200, content_type, item.body)
    return _password(request, meta, instances)


def _password(request: Request, meta: InstanceMetadata, instances: Instances) -> Response:
    """Nova's ``handle_password``: GET reads what the guest posted; one POST (at most 1020
    bytes) stores it, a second is a conflict."""
    if request.method == "GET":
        return Response(200, HTML_UTF8, (meta.password or "").encode())
    if request.method == "POST":
        if meta.password:
            return _webob(409, CONFLICT)
        if request.content_length > MAX_PASSWORD_SIZE or len(request.body) > MAX_PASSWORD_SIZE:
            return _webob(400, "Request is too large.")
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            return _webob(500, SERVER_ERROR)
        if not instances.save_password(meta.uuid, text):
            return _webob(400, f"Instance {meta.uuid} could not be found.")
        return Response(200, HTML_UTF8, b"")
    return _webob(400, "GET and POST only are supported.")


def _webob(status: int, explanation: str) -> Response:
    """webob's HTML error page (Neutron's agent asks Nova with ``Accept: */*``)."""
    title = f"{status} {REASONS[status]}"
    body = (f"<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n"
            f"  <h1>{title}</h1>\n  {explanation}<br /><br />\n\n\n\n </body>\n</html>")
    return Response(status, HTML_UTF8, body.encode())


def _agent_not_found(scope: Scope) -> Response:
    """Neutron's ``encode_http_reponse`` for a requester that is no port's."""
    title = "404 Not Found"
    message = f"Instance was not found on {scope.kind} {scope.resource_id}."
    body = (f"<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n"
            f"  <h1>{title}</h1>\n  {message}<br /><br />\n\n\n </body>\n</html>")
    return Response(404, TEXT_UTF8, body.encode())
