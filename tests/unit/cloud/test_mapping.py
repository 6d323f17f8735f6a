"""openstacksdk resources (built from recorded API bodies) to ostack's models, and errors."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from keystoneauth1 import access
from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk
from openstack.compute.v2.flavor import Flavor as SdkFlavor
from openstack.identity.v3.project import Project as SdkProject

from ostack_cli import errors
from ostack_cli.backend.cloud.compute import flavor_from_sdk
from ostack_cli.backend.cloud.errors import sdk_errors, translate
from ostack_cli.backend.cloud.identity import project_from_sdk, token_from_access
from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.backend.models.identity import Project, Token
from ostack_cli.commands.flavor import flavor_fields
from ostack_cli.commands.project import project_fields

# openstacksdk warns about its own internals (RemovedInSDK50Warning) on to_dict().
pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")

# GET /v2.1/flavors/detail at microversion 2.61 (Nova 34), one item.
NOVA_FLAVOR: dict[str, Any] = {
    "id": "1", "name": "m1.tiny", "ram": 512, "disk": 1, "swap": "",
    "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False, "vcpus": 1,
    "os-flavor-access:is_public": True, "rxtx_factor": 1.0,
    "links": [{"rel": "self", "href": "http://127.0.0.1:8774/v2.1/flavors/1"}],
    "description": None, "extra_specs": {"hw:cpu_policy": "dedicated"},
}

# GET /v3/projects/{id} (Keystone 30).
KEYSTONE_PROJECT: dict[str, Any] = {
    "id": "a6f5a55c028248cda1108546fbc47b5e", "name": "demo", "domain_id": "default",
    "description": "", "enabled": True, "parent_id": "default", "is_domain": False,
    "tags": ["t1"], "options": {},
    "links": {"self": "http://127.0.0.1:5000/v3/projects/a6f5a55c028248cda1108546fbc47b5e"},
}

# POST /v3/auth/tokens response body (catalog dropped).
KEYSTONE_TOKEN: dict[str, Any] = {
    "token": {
        "methods": ["password"],
        "user": {"domain": {"id": "default", "name": "Default"},
                 "id": "bb79508b880946da9712fcc59bc27a8a", "name": "admin",
                 "password_expires_at": None},
        "audit_ids": ["vKvw033OSriqM3DxaLh75Q"],
        "expires_at": "2026-11-29T02:05:27.000000Z",
        "issued_at": "2026-11-29T01:05:27.000000Z",
        "project": {"domain": {"id": "default", "name": "Default"},
                    "id": "4daf45caafe64a47a12ed7cb869eb788", "name": "admin"},
        "is_domain": False,
        "roles": [{"id": "ccdd2b528adb4dac8b18ba5db6fcc339", "name": "admin"}],
        "catalog": [],
    }
}


def test_flavor_mapping_keeps_sdk_values() -> None:
    flavor = flavor_from_sdk(SdkFlavor.existing(**NOVA_FLAVOR))
    assert flavor == Flavor(
        id="1", name="m1.tiny", ram=512, disk=1, ephemeral=0, swap=0, vcpus=1,
        rxtx_factor=1.0, is_public=True, is_disabled=False, description=None,
        extra_specs={"hw:cpu_policy": "dedicated"}, access_project_ids=[],
    )


def test_flavor_show_fields_are_the_real_clients() -> None:
    # What `openstack flavor show -f json` printed for this body (python-openstackclient 10.5).
    fields = flavor_fields(flavor_from_sdk(SdkFlavor.existing(**NOVA_FLAVOR)))
    assert fields == {
        "OS-FLV-DISABLED:disabled": False, "OS-FLV-EXT-DATA:ephemeral": 0,
        "access_project_ids": None, "description": None, "disk": 1, "id": "1",
        "name": "m1.tiny", "os-flavor-access:is_public": True,
        "properties": {"hw:cpu_policy": "dedicated"}, "ram": 512, "rxtx_factor": 1.0,
        "swap": 0, "vcpus": 1,
    }


def test_private_flavor_carries_its_projects() -> None:
    body = dict(NOVA_FLAVOR, **{"os-flavor-access:is_public": False})
    flavor = flavor_from_sdk(SdkFlavor.existing(**body), ["p1"])
    assert flavor_fields(flavor)["access_project_ids"] == ["p1"]


def test_project_mapping() -> None:
    project = project_from_sdk(SdkProject.existing(**KEYSTONE_PROJECT))
    assert project == Project(
        id="a6f5a55c028248cda1108546fbc47b5e", name="demo", description="",
        domain_id="default", parent_id="default", is_enabled=True, is_domain=False,
        tags=["t1"], options={},
    )
    assert project_fields(project) == {
        "description": "", "domain_id": "default", "enabled": True,
        "id": "a6f5a55c028248cda1108546fbc47b5e", "is_domain": False, "name": "demo",
        "options": {}, "parent_id": "default", "tags": ["t1"],
    }


def test_token_mapping() -> None:
    ref = access.create(body=KEYSTONE_TOKEN, auth_token="gAAAAABtoken")
    assert token_from_access(ref) == Token(
        id="gAAAAABtoken", expires="2026-11-29T02:05:27+0000",
        project_id="4daf45caafe64a47a12ed7cb869eb788",
        user_id="bb79508b880946da9712fcc59bc27a8a",
    )


def http_error(status: int, message: str) -> sdk.HttpException:
    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = "application/json"
    response._content = (
        b'{"conflictingRequest": {"code": %d, "message": "%s"}}' % (status, message.encode())
    )
    response.url = "http://127.0.0.1:8774/v2.1/flavors"
    response.request = requests.Request("POST", response.url).prepare()
    try:
        sdk.raise_from_response(response)
    except sdk.HttpException as exc:
        return exc
    raise AssertionError("no exception")


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (400, "Invalid input", errors.BadRequest),
        (403, "Policy doesn't allow x to be performed.", errors.Forbidden),
        (404, "Flavor 9 could not be found.", errors.NotFound),
        (409, "Flavor with name m1.tiny already exists.", errors.Conflict),
        (403, "Quota exceeded for cores: Requested 2, but already used 20 of 20 cores",
         errors.QuotaExceeded),
        (409, "Quota exceeded for resources: ['network'].", errors.QuotaExceeded),
        (500, "boom", errors.OstackError),
    ],
)
def test_http_errors_keep_the_real_clients_text(
    status: int, message: str, kind: type[errors.OstackError]
) -> None:
    exc = http_error(status, message)
    translated = translate(exc)
    assert type(translated) is kind
    # Exactly what the real client prints: str() of openstacksdk's exception.
    assert str(translated) == str(exc)
    assert str(translated).endswith(
        f": {status}: {'Client' if status < 500 else 'Server'} Error for url: "
        f"http://127.0.0.1:8774/v2.1/flavors, {message}"
    )


def test_sdk_and_keystoneauth_errors() -> None:
    not_found = translate(sdk.NotFoundException("No Flavor found for x"))
    assert (type(not_found), str(not_found)) == (errors.NotFound, "No Flavor found for x")
    dup = translate(sdk.DuplicateResource("More than one Flavor exists with the name 'd'."))
    assert type(dup) is errors.DuplicateResource
    unauthorized = translate(ksa.Unauthorized(
        "The request you have made requires authentication.", request_id="req-1"))
    assert str(unauthorized) == (
        "The request you have made requires authentication. (HTTP 401) (Request-ID: req-1)"
    )
    down = translate(ksa.ConnectFailure("Unable to establish connection to http://x"))
    assert (type(down), str(down)) == (
        errors.BackendUnavailable, "Unable to establish connection to http://x")
    assert type(translate(sdk.ConfigException("Cloud x was not found."))) is errors.OstackError
    assert translate(ValueError("x")) is None


def test_sdk_errors_context_manager() -> None:
    with pytest.raises(errors.Conflict) as caught, sdk_errors():
        raise http_error(409, "dup")
    assert isinstance(caught.value.__cause__, sdk.ConflictException)
    with pytest.raises(KeyError), sdk_errors():
        raise KeyError("not ours")
