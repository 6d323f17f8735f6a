"""The discovery commands' cloud side without a cloud: what is asked of openstacksdk, and how
refusals and gaps turn out (as python-openstackclient 10.5 handles them)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openstack import exceptions as sdk
from openstack.compute.v2.availability_zone import AvailabilityZone as SdkZone
from openstack.compute.v2.quota_set import QuotaSet as SdkNovaQuotaSet

from ostack_cli import errors
from ostack_cli.backend.models.discovery import ServiceState
from tests.conftest import Runner
from tests.unit.cloud.conftest import WriteClouds, password_cloud
from tests.unit.cloud.test_backend import Recorder, backend, logged  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")


class Named:
    def __init__(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)


def test_project_lookup_for_limits_follows_osc() -> None:
    found = Recorder(find_project=Named(id="p1"), find_domain=Named(id="d1"))
    assert backend(identity=found).find_project_id("demo") == "p1"
    assert backend(identity=found).find_project_id("demo", domain="Default") == "p1"
    assert found.calls[-1] == ("find_project", ("demo",),
                               {"ignore_missing": False, "domain_id": "d1"})
    # A member may not look projects up: the name goes to Nova as it is.
    refused = Recorder(find_project=sdk.ForbiddenException("no"))
    assert backend(identity=refused).find_project_id("demo") == "demo"
    # No such project: an empty error, as the real client's.
    missing = Recorder(find_project=sdk.NotFoundException("No Project found for x"))
    with pytest.raises(errors.CommandError) as caught:
        backend(identity=missing).find_project_id("x")
    assert str(caught.value) == ""


def test_compute_zones_fall_back_to_the_plain_list_when_refused() -> None:
    zone = SdkZone.existing(name="nova", state={"available": True}, hosts=None)

    def zones(details: bool = False) -> list[SdkZone]:
        if details:
            raise sdk.ForbiddenException("Policy doesn't allow ...")
        return [zone]

    compute = Recorder(availability_zones=zones)
    [found] = backend(compute=compute).availability_zones("compute", details=True)
    assert (found.name, found.available, found.hosts) == ("nova", True, None)
    assert [kwargs for _, _, kwargs in compute.calls] == [{"details": True}, {"details": False}]


def test_compute_zone_hosts() -> None:
    zone = SdkZone.existing(name="internal", state={"available": True}, hosts={
        "h1": {"nova-conductor": {"available": True, "active": True,
                                  "updated_at": "2026-12-05T00:01:41.000000"}}})
    compute = Recorder(availability_zones=[zone])
    [found] = backend(compute=compute).availability_zones("compute", details=True)
    assert found.hosts == {"h1": {"nova-conductor": ServiceState(
        active=True, available=True, updated_at="2026-12-05T00:01:41.000000")}}


def test_quota_list_skips_projects_the_service_refuses(logged: io.StringIO) -> None:  # noqa: F811
    identity = Recorder(projects=[Named(id="p1"), Named(id="p2")])
    answers = {"p1": SdkNovaQuotaSet.existing(cores=5, ram=512),
               "p2": sdk.BadRequestException("400: bad project")}

    def get(project_id: str) -> Any:
        answer = answers[project_id]
        if isinstance(answer, Exception):
            raise answer
        return answer

    compute = Recorder(get_quota_set=get,
                       get_quota_set_defaults=SdkNovaQuotaSet.existing(cores=20, ram=512))
    [found] = backend(identity=identity, compute=compute).project_quota_sets("compute")
    assert found.project_id == "p1"
    assert (found.limits["cores"], found.defaults["cores"]) == (5, 20)
    assert found.limits["instances"] is None
    assert logged.getvalue() == "Project p2 not found: 400: bad project\n"


def test_configuration_show_masks_the_password(
    cli: Runner, config_home: Path, write_clouds: WriteClouds
) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    masked = cli("--os-cloud", "mine", "configuration", "show", "-f", "json")
    assert masked.rc == 0, masked.err
    shown = masked.json()
    assert shown["auth.password"] == "<redacted>"
    assert (shown["auth.username"], shown["region_name"], shown["cloud"]) == (
        "admin", "RegionOne", "mine")
    assert shown["auth.auth_url"] == "http://127.0.0.1:5000/v3"
    unmasked = cli("--os-cloud", "mine", "configuration", "show", "--unmask", "-f", "json")
    assert unmasked.json()["auth.password"] == "s3cret"
    assert cli("--os-cloud", "mine", "configuration", "show", "--mask", "--unmask").rc == 2
