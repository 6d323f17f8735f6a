"""The cloud backend's calls, against a stand-in openstacksdk Connection (no network)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from openstack import exceptions as sdk
from openstack.compute.v2.flavor import Flavor as SdkFlavor
from openstack.compute.v2.keypair import Keypair as SdkKeypair
from openstack.identity.v3.project import Project as SdkProject
from openstack.image.v2.image import Image as SdkImage
from openstack.network.v2.network import Network as SdkNetwork
from openstack.network.v2.security_group import SecurityGroup as SdkGroup

from ostack_cli import errors
from ostack_cli.backend.cloud import CloudBackend
from ostack_cli.backend.cloud import compute as cloud_compute
from ostack_cli.backend.cloud.image import image_from_sdk
from ostack_cli.backend.cloud.network_map import network_from_sdk, tag_query
from ostack_cli.backend.cloud.security_group import rule_from_api
from ostack_cli.backend.models.flavor import FlavorSpec
from ostack_cli.backend.models.network import TagFilter
from ostack_cli.backend.models.security_group import SecurityGroup
from tests.unit.cloud.test_mapping import KEYSTONE_PROJECT, NOVA_FLAVOR

# openstacksdk warns about its own internals (RemovedInSDK50Warning) on to_dict().
pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")


class Recorder:
    """A proxy stand-in: records calls; answers from ``replies`` (a value or an exception)."""

    def __init__(self, **replies: Any) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.replies = replies
        self.api_version = "3"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            reply = self.replies.get(name)
            if isinstance(reply, BaseException):
                raise reply
            return reply(*args, **kwargs) if callable(reply) else reply

        return call

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]


class FakeConnection:
    def __init__(self, **proxies: Recorder) -> None:
        self.compute = proxies.get("compute", Recorder())
        self.identity = proxies.get("identity", Recorder())
        self.network = proxies.get("network", Recorder())
        self.image = proxies.get("image", Recorder())
        self.current_user_id = "u1"
        self.closed = False

    def close(self) -> None:
        self.closed = True


def backend(**proxies: Recorder) -> CloudBackend:
    return CloudBackend(FakeConnection(**proxies))  # type: ignore[arg-type]


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("ostack.cloud")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def flavor(**changes: Any) -> SdkFlavor:
    return SdkFlavor.existing(**{**NOVA_FLAVOR, **changes})


def test_flavor_list_passes_the_real_clients_query() -> None:
    compute = Recorder(flavors=lambda **q: iter([flavor()]))
    found = backend(compute=compute).flavors(is_public=None, min_disk=0, min_ram=512)
    assert [f.name for f in found] == ["m1.tiny"]
    # A zero minimum is no filter, as in the real client.
    assert compute.calls == [("flavors", (), {"is_public": None, "min_ram": 512})]


def test_private_flavor_show_reads_its_access_list() -> None:
    compute = Recorder(find_flavor=flavor(**{"os-flavor-access:is_public": False}),
                       get_flavor_access=[{"flavor_id": "1", "tenant_id": "p1"}])
    found = backend(compute=compute).find_flavor("m1.tiny")
    assert found.access_project_ids == ["p1"]
    assert compute.calls[0] == ("find_flavor", ("m1.tiny",),
                                {"ignore_missing": False, "get_extra_specs": True})


def test_flavor_not_found_is_ostacks_not_found() -> None:
    compute = Recorder(find_flavor=sdk.NotFoundException("No Flavor found for x"))
    with pytest.raises(errors.NotFound, match=r"^No Flavor found for x$"):
        backend(compute=compute).find_flavor("x")


def test_flavor_create_sends_what_the_real_client_sends(
    monkeypatch: pytest.MonkeyPatch, logged: io.StringIO
) -> None:
    monkeypatch.setattr(cloud_compute.sdk_utils, "supports_microversion", lambda *a: True)
    compute = Recorder(create_flavor=flavor(),
                       flavor_add_tenant_access=sdk.ForbiddenException("nope"),
                       create_flavor_extra_specs=flavor(extra_specs={"a": "b"}))
    made = backend(compute=compute).create_flavor(FlavorSpec(
        name="m1.tiny", ram=512, disk=1, vcpus=1, description="d", is_public=False,
        extra_specs={"a": "b"}, project_ids=["p1"]))
    assert compute.calls[0] == ("create_flavor", (), {
        "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1, "id": None, "ephemeral": 0,
        "swap": 0, "is_public": False, "description": "d"})
    assert made.extra_specs == {"a": "b"}
    # A failed access grant is logged and the flavor shown anyway, as the real client does.
    assert logged.getvalue() == "Failed to add project p1 access to flavor: nope\n"


def test_flavor_description_needs_2_55(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cloud_compute.sdk_utils, "supports_microversion", lambda *a: False)
    compute = Recorder()
    with pytest.raises(errors.CommandError, match=r"requires server support for API "
                                                  r"microversion 2\.55"):
        backend(compute=compute).create_flavor(FlavorSpec(name="x", description="d"))
    assert compute.calls == []


def test_flavor_set_logs_each_failure_then_fails(logged: io.StringIO) -> None:
    compute = Recorder(find_flavor=flavor(),
                       create_flavor_extra_specs=sdk.BadRequestException("bad spec"))
    cloud = backend(compute=compute)
    current = cloud_compute.flavor_from_sdk(flavor())
    with pytest.raises(errors.CommandError) as caught:
        cloud.update_flavor(current, set_specs={"k": "v"}, unset_specs=["hw:cpu_policy"])
    assert str(caught.value) == "Command Failed: One or more of the operations failed"
    assert logged.getvalue() == "Failed to set flavor properties: bad spec\n"
    assert compute.names() == ["delete_flavor_extra_specs_property",
                               "create_flavor_extra_specs"]


def test_project_list_falls_back_to_the_users_projects() -> None:
    identity = Recorder(projects=sdk.ForbiddenException("403"),
                        user_projects=lambda user: iter([SdkProject.existing(
                            **KEYSTONE_PROJECT)]))
    found = backend(identity=identity).projects()
    assert [p.name for p in found] == ["demo"]
    assert identity.calls[1] == ("user_projects", ("u1",), {})


def test_project_create_or_show_returns_the_existing_one() -> None:
    identity = Recorder(create_project=sdk.ConflictException("409"),
                        find_project=SdkProject.existing(**KEYSTONE_PROJECT))
    found = backend(identity=identity).create_project("demo", tags=["b", "a"], or_show=True)
    assert found.id == KEYSTONE_PROJECT["id"]
    name, _, kwargs = identity.calls[0]
    assert (name, kwargs["name"], kwargs["is_enabled"], sorted(kwargs["tags"])) == \
        ("create_project", "demo", True, ["a", "b"])
    identity = Recorder(create_project=sdk.ConflictException("409: dup"))
    with pytest.raises(errors.Conflict, match="409: dup"):
        backend(identity=identity).create_project("demo")


def test_rule_from_a_rule_list_body() -> None:
    rule = rule_from_api({"id": "r", "security_group_id": "g", "tenant_id": "p",
                          "ethertype": "IPv6", "direction": "ingress", "protocol": "tcp",
                          "port_range_min": 22, "port_range_max": 22,
                          "remote_ip_prefix": "::/0", "belongs_to_default_sg": False})
    assert (rule.project_id, rule.ethertype, rule.port_range_min) == ("p", "IPv6", 22)
    assert rule.standard_attr_id is None  # a rule list does not carry it


def test_security_group_show_uses_the_rules_nested_in_the_group() -> None:
    rule = {"id": "r1", "security_group_id": "g1", "project_id": "p", "ethertype": "IPv4",
            "direction": "egress", "protocol": None, "standard_attr_id": 7,
            "belongs_to_default_sg": None, "revision_number": 0}
    group = SdkGroup.existing(id="g1", name="web", project_id="p", stateful=True,
                              shared=False, tags=[], security_group_rules=[rule])
    network = Recorder(find_security_group=group)
    cloud = backend(network=network)
    assert cloud.find_security_group("web").id == "g1"
    rules = cloud.security_group_rules(security_group_id="g1")
    assert [(r.id, r.standard_attr_id) for r in rules] == [("r1", 7)]
    assert network.names() == ["find_security_group"]


def test_security_group_tags_change_only_when_they_differ() -> None:
    network = Recorder(update_security_group=SdkGroup.existing(id="g1", name="new", tags=[]))
    cloud = backend(network=network)
    group = SecurityGroup(id="g1", name="old", project_id="p", tags=["a"])
    cloud.update_security_group(group, tags=["a"])
    assert network.calls == []
    cloud.update_security_group(group, name="new", tags=["a", "b"])
    assert network.names() == ["update_security_group", "set_tags"]
    assert network.calls[1][1][1] == ["a", "b"]


def test_network_queries_use_the_sdks_names() -> None:
    network = Recorder(networks=lambda **q: iter([SdkNetwork.existing(
        id="n1", name="public", project_id="p", subnets=["s1"], **{"router:external": True})]))
    found = backend(network=network).networks(external=True, tags=TagFilter(tags=["a", "b"]))
    assert found[0].is_router_external is True
    assert found[0].subnet_ids == ["s1"]
    assert network.calls == [("networks", (), {"is_router_external": True, "tags": "a,b"})]
    assert network_from_sdk(SdkNetwork.existing(id="n", name="x", project_id="p")).tags == []
    assert tag_query(TagFilter(not_any_tags=["x"])) == {"not_any_tags": "x"}


def test_image_properties_come_back_as_glance_keeps_them() -> None:
    image = SdkImage.existing(
        id="i1", name="tiny", owner="p", status="active", visibility="public",
        protected=False, os_hidden=False, disk_format="raw", container_format="bare",
        min_disk=0, min_ram=0, size=3, checksum="c", os_hash_algo="sha512",
        os_hash_value="h", tags=[], hw_disk_bus="virtio", hw_qemu_guest_agent="yes",
        os_require_quiesce="true", custom="x")
    model = image_from_sdk(image)
    assert model.properties == {"custom": "x", "hw_disk_bus": "virtio",
                                "hw_qemu_guest_agent": "yes", "os_require_quiesce": "true"}
    assert (model.project_id, model.hash_algo, model.is_hidden) == ("p", "sha512", False)


def test_keypair_delete_and_find() -> None:
    compute = Recorder(find_keypair=SdkKeypair.existing(
        name="k", user_id="u", public_key="ssh-ed25519 AAA", fingerprint="f", type="ssh",
        created_at="2026-11-29T01:00:00.000000"))
    cloud = backend(compute=compute)
    found = cloud.find_keypair("k")
    assert (found.id, found.name, found.user_id, found.type) == ("k", "k", "u", "ssh")
    cloud.delete_keypair("k")
    assert compute.calls[-1] == ("delete_keypair", ("k",), {"ignore_missing": False})


def test_close_closes_the_connection() -> None:
    cloud = backend()
    cloud.close()
    assert cloud.conn.closed  # type: ignore[attr-defined]
