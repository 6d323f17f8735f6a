"""server add/remove floating ip, with Neutron's rules, on the test driver."""

from __future__ import annotations

from tests.conftest import Runner


def test_add_and_remove_floating_ip(compute: Runner) -> None:
    assert compute("bootstrap").rc == 0
    server = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                     "net-id=private", "Host2", "-f", "json").json()
    fip = compute("floating", "ip", "create", "External", "-f", "json").json()
    assert fip["status"] == "DOWN"
    address = fip["floating_ip_address"]
    result = compute("server", "add", "floating", "ip", "Host2", address)
    assert (result.rc, result.out, result.err) == (0, "", "")
    shown = compute("floating", "ip", "show", address, "-f", "json").json()
    assert (shown["status"], shown["fixed_ip_address"]) == ("ACTIVE", "10.0.0.2")
    addresses = compute("server", "show", "Host2", "-f", "json").json()["addresses"]
    assert addresses == {"private": ["10.0.0.2", address]}
    assert "private=10.0.0.2, " + address in compute("server", "list").out
    assert compute("server", "remove", "floating", "ip", "Host2", address).rc == 0
    shown = compute("floating", "ip", "show", address, "-f", "json").json()
    assert (shown["status"], shown["port_id"]) == ("DOWN", None)
    del server


def test_unreachable_external_network_is_neutrons_error(compute: Runner) -> None:
    compute("bootstrap")
    compute("network", "create", "island")
    compute("subnet", "create", "--network", "island", "--subnet-range", "10.9.0.0/24", "isl")
    compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
            "net-id=island", "lonely")
    address = compute("floating", "ip", "create", "External", "-f", "value", "-c",
                      "floating_ip_address").out.strip()
    result = compute("server", "add", "floating", "ip", "lonely", address)
    assert result.rc == 1
    assert "is not reachable from subnet" in result.err
    assert "Therefore, cannot associate Port" in result.err
    wrong = compute("server", "add", "floating", "ip", "--fixed-ip-address", "10.9.9.9",
                    "lonely", address)
    assert (wrong.rc, wrong.err.strip()) == (1, "No port found for fixed IP address 10.9.9.9")
    bare = compute("server", "create", "--image", "cirros", "--flavor", "m1.tiny", "--nic",
                   "none", "bare")
    assert bare.rc == 0, bare.err
    none = compute("server", "add", "floating", "ip", "bare", address)
    assert (none.rc, none.err.strip()) == (
        1, "No attached ports found to associate floating IP with")
