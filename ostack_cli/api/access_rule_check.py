"""Application credentials' access rules, enforced on each request as keystonemiddleware's
``auth_token`` does in front of every service (``validate_allowed_request`` and
``_path_matches`` in keystonemiddleware/auth_token/__init__.py, and Keystone's own
auth_context middleware for the identity API):

- a token whose credential has no access rules may call anything its roles allow;
- otherwise the request must match one rule: the same method, the service's catalog type,
  and the path, where ``*`` (and a ``{tag}``) stands for one path segment and ``**`` for any
  number of them; a token may always validate itself (``GET /v3/auth/tokens``);
- anything else is keystonemiddleware's 401.

The path is the one the service sees: under ``ostack api`` each service is mounted under a
prefix (``/compute``, ``/network``, ...), which is not part of the path the rule names, as
on a cloud whose services each listen on their own port.
"""

from __future__ import annotations

import re
from typing import Any

from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest
from ostack_cli.api.principal import unauthorized

# keystonemiddleware's tokens of a rule's path.
_PATH_TOKENS = re.compile(r"(?P<tag>{[^}]*})|(?P<wild>\*(?=$|[^\*]))|(?P<rec_wild>\*\*)|"
                          r"(?P<literal>[^{}\*])")
# keystone/common/authorization.py: the header a service's middleware sends when it
# enforces access rules itself, and the version it must name.
ACCESS_RULES_HEADER = "OpenStack-Identity-Access-Rules"
ACCESS_RULES_MIN_VERSION = 1.0


def path_matches(request_path: str, pattern: str) -> bool:
    regex = ""
    for match in _PATH_TOKENS.finditer(pattern):
        token = match.groupdict()
        if token["tag"] or token["wild"]:
            regex += r"[^\/]+"
        if token["rec_wild"]:
            regex += ".*"
        if token["literal"]:
            regex += re.escape(token["literal"])
    return re.match(f"^{regex}$", request_path) is not None


def allowed(rules: list[dict[str, Any]], *, service_type: str, method: str, path: str
            ) -> bool:
    if service_type == "identity" and method == "GET" and path.endswith("/v3/auth/tokens"):
        return True
    return any(rule.get("method") == method and rule.get("service") == service_type
               and path_matches(path, str(rule.get("path") or ""))
               for rule in rules)


def check_request(req: ApiRequest) -> None:
    """The 401 for a request its token's access rules do not allow."""
    principal = req.principal
    credential = principal.application_credential if principal is not None else None
    if credential is None or credential.access_rules is None:
        return
    service = req.service
    path = req.path[len(service.mount):] if req.path.startswith(service.mount) else req.path
    if not allowed(credential.access_rules, service_type=service.service_type,
                   method=req.method, path=path or "/"):
        raise unauthorized()


def supports_access_rules(req: ApiRequest) -> bool:
    """Whether the caller validating a token says it enforces access rules itself."""
    value = req.header(ACCESS_RULES_HEADER.lower())
    try:
        return value is not None and float(value) >= ACCESS_RULES_MIN_VERSION
    except ValueError:
        return False


def validation_refused(req: ApiRequest) -> ApiFault | None:
    """keystone/token/provider.py ``_validate_token_access_rules``, for a token whose
    credential has access rules: it validates only for a caller that enforces them."""
    if not supports_access_rules(req):
        from ostack_cli.api.principal import NOT_VALID

        return ApiFault(404, NOT_VALID)
    return None
