"""Cinder's generic volume groups on the local backend, which keeps none: the lists Horizon's
Volumes pages read answer empty (cinder/api/v3/groups.py ``index``, ``detail``: from
microversion 3.13, below it a bare 404 as for a method that does not exist)."""

from __future__ import annotations

from ostack_cli.api import cinder
from ostack_cli.api.cinder import route
from ostack_cli.api.faults import ApiFault
from ostack_cli.api.http import ApiRequest, Reply

# GROUP_VOLUME: the microversion the groups API starts at.
GROUPS_FROM = "3.13"


def _groups(req: ApiRequest) -> Reply:
    if not cinder.at_least(req, GROUPS_FROM):
        # VersionNotFoundForAPIMethod: webob's HTTPNotFound, its default explanation.
        raise ApiFault(404, "The resource could not be found.")
    return Reply(200, {"groups": []})


@route("GET", "/groups")
def list_groups(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _groups(req)


@route("GET", "/groups/detail")
def list_groups_detail(req: ApiRequest, project_id: str | None = None) -> Reply:
    return _groups(req)
