"""Neutron v2.0 under ``/network``: version discovery.

The catalog's endpoint is ``/network`` (clients add ``/v2.0``). ``GET /network`` answers
Neutron's version list, ``GET /network/v2.0`` the resources it serves; every other route is
declared on ``NEUTRON`` relative to the mount (``@NEUTRON.route("GET",
"/v2.0/networks")``). Errors are ``NeutronError`` bodies: raise ``ApiFault(..., kind=
"NetworkInUse")`` where Neutron's exception type is not derived from the status
(``faults.NeutronErrors``).
"""

from __future__ import annotations

from ostack_cli.api.catalog import NETWORK_MOUNT
from ostack_cli.api.faults import ApiFault, NeutronErrors
from ostack_cli.api.http import ApiRequest, Reply, Route, Service

MALFORMED = "Body contains invalid data"
VERSION = "/v2.0"
# The collections the v2.0 root lists (neutron/api/v2/router.py's core resources).
CORE_RESOURCES = (("network", "networks"), ("subnet", "subnets"),
                  ("subnetpool", "subnetpools"), ("port", "ports"))

# Collections Neutron filters item by item through policies scoped to the project: with a
# domain-scoped token every item fails its scope check and the list comes back empty.
_PROJECT_COLLECTIONS = frozenset({
    "networks", "subnets", "ports", "routers", "floatingips", "security-groups",
    "security-group-rules", "subnetpools", "availability_zones", "network-ip-availabilities",
    "agents"})
# Admin-only reads, refused outright (oslo.policy's InvalidScope).
_PROJECT_RULES = {"/v2.0/quotas": "get_quota"}


class Neutron(Service):
    def domain_scoped(self, req: ApiRequest, route: Route) -> Reply | None:
        path = route.template[len(self.mount):]
        if route.method != "GET":
            return None
        rule = _PROJECT_RULES.get(path)
        if rule is not None:
            raise ApiFault(403, f"rule:{rule} requires a scope of ['project'], request was "
                                "made with domain scope.", kind="InvalidScope")
        collection = path.rsplit("/", 1)[-1]
        if path == f"{VERSION}/{collection}" and collection in _PROJECT_COLLECTIONS:
            return Reply(200, {collection.replace("-", "_"): []})
        return None


NEUTRON = Neutron(name="neutron", service_type="network", mount=NETWORK_MOUNT,
                  errors=NeutronErrors(), malformed_body=MALFORMED)
NEUTRON.guarded = (VERSION,)



@NEUTRON.route("GET", "", auth=False)
def versions(req: ApiRequest) -> Reply:
    return Reply(200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
        {"rel": "self", "href": req.service_url(f"{VERSION}/")}]}]})


@NEUTRON.route("GET", VERSION)
def resources(req: ApiRequest) -> Reply:
    return Reply(200, {"resources": [
        {"name": name, "collection": collection,
         "links": [{"rel": "self", "href": req.service_url(f"{VERSION}/{collection}")}]}
        for name, collection in CORE_RESOURCES]})
