"""The article's walkthrough with the real python-openstackclient through ``ostack api
serve``, each step's ``-f json`` answer the same as ``ostack``'s on the local backend for the
same store; then an openstacksdk script over the four services.

The api tier runs guests under libvirt's in-memory test driver, which keeps its domains per
process: the server process's guest is running, while an ``ostack`` process sees none (and
records it as stopped). A server's power and VM state (``status``, ``OS-EXT-STS:*``,
``progress``, ``updated``) are therefore compared in the vm tier (tests/vm/test_api_vm.py),
where both processes share one libvirt, and left out here.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiServer
from tests.api.test_clients import local, real

pytestmark = pytest.mark.slow

# What a server's guest state decides (see the module's text).
GUEST_STATE = ("status", "Status", "OS-EXT-STS:power_state", "OS-EXT-STS:vm_state",
               "OS-EXT-STS:task_state", "progress", "updated", "Power State")


def quiet(api_server: ApiServer, binary: Path, *args: str) -> None:
    """A command that prints nothing (set, add, delete)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    done = subprocess.run([str(binary), "--os-cloud", "ostack", *args], capture_output=True,
                          text=True, env=env, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def same(api_server: ApiServer, binary: Path, *args: str,
         without: tuple[str, ...] = ()) -> Any:
    """``args`` through the API and on the store: the same JSON (``without`` some keys)."""
    through_api = real(api_server, binary, *args)
    on_the_store = local(api_server, *args)

    def cut(value: Any) -> Any:
        if isinstance(value, list):
            return [cut(v) for v in value]
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in without}
        return value

    assert cut(through_api) == cut(on_the_store), args
    return through_api


def test_article_walkthrough(api_server: ApiServer, real_openstack: Path,
                             tmp_path: Path) -> None:
    osc = real_openstack
    disk = tmp_path / "cirros.raw"
    disk.write_bytes(b"\0" * 1024 * 1024)
    made = real(api_server, osc, "image", "create", "--file", str(disk), "--disk-format",
                "raw", "--container-format", "bare", "--public", "cirros")
    assert made["status"] == "active"
    same(api_server, osc, "image", "show", "cirros")
    same(api_server, osc, "flavor", "list")
    same(api_server, osc, "image", "list")
    same(api_server, osc, "network", "list")

    real(api_server, osc, "network", "create", "net1")
    real(api_server, osc, "subnet", "create", "--network", "net1", "--subnet-range",
         "10.50.0.0/24", "sub1")
    real(api_server, osc, "router", "create", "r1")
    quiet(api_server, osc, "router", "add", "subnet", "r1", "sub1")
    quiet(api_server, osc, "router", "set", "--external-gateway", "External", "r1")
    same(api_server, osc, "network", "show", "net1")
    same(api_server, osc, "subnet", "show", "sub1")
    same(api_server, osc, "router", "show", "r1")
    same(api_server, osc, "port", "list")

    groups = local(api_server, "security", "group", "list", "--project", "admin")
    default = next(g["ID"] for g in groups if g["Name"] == "default")
    rule = real(api_server, osc, "security", "group", "rule", "create", "--remote-ip",
                "0.0.0.0/0", "--protocol", "ICMP", default)
    assert (rule["protocol"], rule["remote_ip_prefix"]) == ("icmp", "0.0.0.0/0")
    same(api_server, osc, "security", "group", "rule", "show", rule["id"])
    same(api_server, osc, "security", "group", "show", default)

    key = tmp_path / "key.pub"
    key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHgTUaXfFIXH1KEK+9hGjKEtdizO7h+Z3iHH"
                   "SOd6/Rzg walkthrough\n")
    real(api_server, osc, "keypair", "create", "--public-key", str(key), "kp1")
    same(api_server, osc, "keypair", "show", "kp1")
    same(api_server, osc, "keypair", "list")

    net1 = local(api_server, "network", "show", "net1")["id"]
    server = real(api_server, osc, "server", "create", "--image", "cirros", "--flavor",
                  "m1.tiny", "--nic", f"net-id={net1}", "--key-name", "kp1", "--wait",
                  "Host2")
    assert server["status"] == "ACTIVE"
    same(api_server, osc, "server", "show", "Host2", without=GUEST_STATE)

    fip = real(api_server, osc, "floating", "ip", "create", "External")
    quiet(api_server, osc, "server", "add", "floating", "ip", "Host2",
          fip["floating_ip_address"])
    same(api_server, osc, "floating", "ip", "show", fip["floating_ip_address"])
    listed = same(api_server, osc, "server", "list", without=GUEST_STATE)
    assert listed[0]["Networks"] == {"net1": [server["addresses"]["net1"][0],
                                              fip["floating_ip_address"]]}
    same(api_server, osc, "server", "show", "Host2", without=GUEST_STATE)

    quiet(api_server, osc, "server", "delete", "--wait", "Host2")
    assert same(api_server, osc, "server", "list") == []
    same(api_server, osc, "floating", "ip", "list")


def test_openstacksdk_script(api_server: ApiServer) -> None:
    """A server made, waited for, given a floating IP and a rule, and deleted, through
    openstacksdk; every service's listings."""
    import openstack

    os.environ["OS_CLIENT_CONFIG_FILE"] = str(api_server.clouds_yaml)
    conn = openstack.connect(cloud="ostack")
    try:
        image = conn.image.create_image(name="sdk-image", data=b"\0" * 65536,
                                        disk_format="raw", container_format="bare")
        assert conn.image.get_image(image.id).status == "active"
        network = conn.network.create_network(name="sdk-net")
        conn.network.create_subnet(network_id=network.id, ip_version=4,
                                   cidr="10.51.0.0/24", name="sdk-subnet")
        router = conn.network.find_router("router1")
        assert router is not None
        subnet = conn.network.find_subnet("sdk-subnet")
        assert subnet is not None
        conn.network.add_interface_to_router(router, subnet_id=subnet.id)
        flavor = conn.compute.find_flavor("m1.tiny")
        assert flavor is not None
        server = conn.compute.create_server(name="sdk-server", image_id=image.id,
                                            flavor_id=flavor.id,
                                            networks=[{"uuid": network.id}])
        server = conn.compute.wait_for_server(server, wait=120)
        assert server.status == "ACTIVE"
        external = conn.network.find_network("External")
        assert external is not None
        fip = conn.network.create_ip(floating_network_id=external.id)
        port = next(iter(conn.network.ports(device_id=server.id)))
        conn.network.update_ip(fip, port_id=port.id)
        assert conn.network.get_ip(fip.id).fixed_ip_address == port.fixed_ips[0]["ip_address"]
        group = conn.network.find_security_group("default", project_id=server.project_id)
        assert group is not None
        rule = conn.network.create_security_group_rule(
            security_group_id=group.id, direction="ingress", protocol="tcp",
            port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0")
        shown = conn.compute.get_server(server.id)
        assert fip.floating_ip_address in [a["addr"] for a in shown.addresses["sdk-net"]]

        assert "sdk-server" in [s.name for s in conn.compute.servers()]
        assert "m1.tiny" in [f.name for f in conn.compute.flavors()]
        keypair = conn.compute.create_keypair(name="sdk-kp", public_key=(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHgTUaXfFIXH1KEK+9hGjKEtdizO7h+Z3iHHSOd6/Rzg "
            "sdk\n"))
        assert "sdk-kp" in [k.name for k in conn.compute.keypairs()]
        conn.compute.delete_keypair(keypair)
        assert "sdk-net" in [n.name for n in conn.network.networks()]
        assert "sdk-image" in [i.name for i in conn.image.images()]
        assert {"admin", "demo"} <= {p.name for p in conn.identity.projects()}

        conn.network.delete_security_group_rule(rule)
        conn.network.delete_ip(fip)
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=120)
        conn.network.remove_interface_from_router(router, subnet_id=subnet.id)
        conn.network.delete_network(network)
        conn.image.delete_image(image)
        assert conn.compute.find_server("sdk-server") is None
    finally:
        conn.close()
        os.environ.pop("OS_CLIENT_CONFIG_FILE", None)
