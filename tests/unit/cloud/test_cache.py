"""Cloud list commands feed TAB completion's per-cloud cache (no network: SDK resources built
from API bodies, behind a stand-in Connection)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openstack.compute.v2.flavor import Flavor as SdkFlavor
from openstack.compute.v2.keypair import Keypair as SdkKeypair
from openstack.compute.v2.server import Server as SdkServer
from openstack.identity.v3.project import Project as SdkProject
from openstack.image.v2.image import Image as SdkImage
from openstack.network.v2.floating_ip import FloatingIP as SdkFloatingIP
from openstack.network.v2.network import Network as SdkNetwork
from openstack.network.v2.port import Port as SdkPort
from openstack.network.v2.router import Router as SdkRouter
from openstack.network.v2.security_group import SecurityGroup as SdkGroup
from openstack.network.v2.subnet import Subnet as SdkSubnet

from ostack_cli.backend.api.server import ServerFilters
from ostack_cli.backend.cloud import CloudBackend
from ostack_cli.backend.cloud import base as cloud_base
from ostack_cli.backend.models.network import TagFilter
from ostack_cli.completion import values
from tests.unit.cloud.test_backend import FakeConnection, Recorder
from tests.unit.cloud.test_mapping import KEYSTONE_PROJECT, NOVA_FLAVOR

pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")

CLOUD = "my-cloud"


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "ostack" / "completion"


def cached(kind: str, cloud: str = CLOUD) -> list[tuple[str, str]] | None:
    """The cache file's items, or None if there is no file."""
    if not values.cache_path(cloud, kind).exists():
        return None
    return values.CacheSource(cloud).rows(kind)


def listing(items: list[Any]) -> Callable[..., Any]:
    return lambda *args, **query: iter(items)


def cloud(name: str | None = CLOUD, **proxies: Recorder) -> CloudBackend:
    return CloudBackend(FakeConnection(**proxies), cache_name=name)  # type: ignore[arg-type]


def net(net_id: str, name: str, external: bool) -> SdkNetwork:
    return SdkNetwork.existing(id=net_id, name=name, project_id="p",
                               **{"router:external": external})


def test_network_list_writes_networks_and_external_networks() -> None:
    network = Recorder(networks=listing([net("n1", "public", True), net("n2", "private", False)]))
    cloud(network=network).networks()
    assert cached("network") == [("n1", "public"), ("n2", "private")]
    assert cached("external_network") == [("n1", "public")]


@pytest.mark.parametrize(
    "query",
    [{"name": "public"}, {"external": True}, {"project_id": "p"}, {"shared": False},
     {"tags": TagFilter(tags=["a"])}],
)
def test_a_filtered_network_list_leaves_the_cache_alone(query: dict[str, Any]) -> None:
    network = Recorder(networks=listing([net("n1", "public", True)]))
    values.write_cache(CLOUD, "network", [("n9", "older")])
    cloud(network=network).networks(**query)
    assert cached("network") == [("n9", "older")]


def test_every_complete_list_is_cached() -> None:
    compute = Recorder(
        flavors=listing([SdkFlavor.existing(**NOVA_FLAVOR)]),
        keypairs=listing([SdkKeypair.existing(name="k1", type="ssh")]),
        servers=listing([SdkServer.existing(id="s1", name="web")]),
    )
    network = Recorder(
        subnets=listing([SdkSubnet.existing(id="sn1", name="sub", network_id="n1")]),
        ports=listing([SdkPort.existing(id="pt1", name="", network_id="n1")]),
        routers=listing([SdkRouter.existing(id="r1", name="router1")]),
        security_groups=listing([SdkGroup.existing(id="g1", name="default")]),
        ips=listing([
            SdkFloatingIP.existing(id="f1", floating_ip_address="203.0.113.5", port_id=None),
            SdkFloatingIP.existing(id="f2", floating_ip_address="203.0.113.6", port_id="pt1"),
        ]),
    )
    image = Recorder(images=listing([SdkImage.existing(id="i1", name="tiny", tags=[])]))
    image.api_version = "2"
    identity = Recorder(projects=listing([SdkProject.existing(**KEYSTONE_PROJECT)]))
    backend = cloud(compute=compute, network=network, image=image, identity=identity)
    backend.flavors()
    backend.keypairs()
    backend.servers()
    backend.subnets()
    backend.ports()
    backend.routers()
    backend.security_groups()
    backend.floating_ips()
    backend.images()
    backend.projects()
    assert cached("flavor") == [("1", "m1.tiny")]
    assert cached("keypair") == [("k1", "k1")]
    assert cached("server") == [("s1", "web")]
    assert cached("subnet") == [("sn1", "sub")]
    assert cached("port") == [("pt1", "")]
    assert cached("router") == [("r1", "router1")]
    assert cached("security_group") == [("g1", "default")]
    assert cached("floating_ip") == [("f1", "203.0.113.5"), ("f2", "203.0.113.6")]
    assert cached("floating_ip_free") == [("f1", "203.0.113.5")]
    assert cached("floating_ip_associated") == [("f2", "203.0.113.6")]
    assert cached("image") == [("i1", "tiny")]
    assert cached("project") == [(KEYSTONE_PROJECT["id"], "demo")]


def test_filtered_lists_are_not_cached() -> None:
    compute = Recorder(flavors=listing([SdkFlavor.existing(**NOVA_FLAVOR)]),
                       servers=listing([SdkServer.existing(id="s1", name="web")]))
    network = Recorder(subnets=listing([]), ports=listing([]), routers=listing([]),
                       security_groups=listing([]), ips=listing([]))
    image = Recorder(images=listing([]))
    image.api_version = "2"
    backend = cloud(compute=compute, network=network, image=image)
    backend.flavors(is_public=False)
    backend.flavors(min_ram=1024)
    backend.servers(ServerFilters(name="w"))
    backend.servers(ServerFilters(all_projects=True))
    backend.servers(ServerFilters(deleted=True))
    backend.subnets(service_types=["network:routed"])
    backend.subnets(network_id="n1")
    backend.ports(device_id="d")
    backend.routers(admin_state_up=True)
    backend.security_groups(project_id="p")
    backend.floating_ips(status="DOWN")
    backend.images(visibility="private")
    backend.images(tags=["t"])
    for kind in ("flavor", "server", "subnet", "port", "router", "security_group",
                 "floating_ip", "image"):
        assert cached(kind) is None, kind


def test_all_flavors_and_all_images_are_complete_lists() -> None:
    compute = Recorder(flavors=listing([SdkFlavor.existing(**NOVA_FLAVOR)]))
    image = Recorder(images=listing([SdkImage.existing(id="i1", name="tiny", tags=[])]))
    image.api_version = "2"
    backend = cloud(compute=compute, image=image)
    backend.flavors(is_public=None)
    backend.images(visibility="all")
    assert cached("flavor") == [("1", "m1.tiny")]
    assert cached("image") == [("i1", "tiny")]


def test_no_cache_without_a_cloud_name() -> None:
    network = Recorder(networks=listing([net("n1", "public", True)]))
    assert [n.name for n in cloud(None, network=network).networks()] == ["public"]
    assert cached("network") is None


def test_a_failing_cache_never_fails_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(values, "cache_records", broken)
    network = Recorder(networks=listing([net("n1", "public", True)]))
    assert [n.name for n in cloud(network=network).networks()] == ["public"]


def test_an_unwritable_cache_never_fails_the_list(cache_home: Path) -> None:
    cache_home.parent.mkdir(parents=True)
    cache_home.write_text("a file where the cache directory should be")
    network = Recorder(networks=listing([net("n1", "public", True)]))
    assert [n.name for n in cloud(network=network).networks()] == ["public"]


def test_open_names_the_cache_as_completion_looks_it_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from ostack_cli.config import CLOUD as CLOUD_BACKEND
    from ostack_cli.config import Selection

    monkeypatch.setattr("ostack_cli.backend.cloud.connect", lambda *a: FakeConnection())
    options = argparse.Namespace(debug=False)
    names = []
    for selection in (Selection(CLOUD_BACKEND, cloud_name="prod"), Selection(CLOUD_BACKEND)):
        opened = CloudBackend.open(selection, options)
        names.append(opened.cache_name)
        opened.close()
    assert names == ["prod", "envvars"]
    assert cloud_base.CloudBase.cache_name is None
