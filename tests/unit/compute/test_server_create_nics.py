"""server create's --nic, --network, --port, --no-network and --auto-network as the real
client parses them (one list, in the order given), and Nova's refusals of a port, a fixed
address or a hostname for several servers: one line, nothing made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]
BOOT = ("server", "create", "--image", "cirros", "--flavor", "m1.tiny")
ONE_OF = ("Specifying a --nic of auto or none cannot be used with any other --nic, --network "
          "or --port value.")
NIC_FORM = ("argument must be of form 'net-id=net-uuid,port-id=port-uuid,v4-fixed-ip=ip-addr,"
            "v6-fixed-ip=ip-addr,tag=tag'")


@pytest.mark.parametrize(("args", "rc", "error"), [
    (("--nic", "none", "--nic", "none"), 1, ONE_OF),
    (("--no-network", "--auto-network"), 1, ONE_OF),
    (("--no-network", "--network", "private"), 1, ONE_OF),
    (("--nic", "none", "--network", "nosuch"), 1, ONE_OF),
    (("--auto-network", "--port", "p1"), 1, ONE_OF),
    (("--network", "a=b"), 2,
     "argument --network: Invalid argument a=b; characters ',' and '=' are not allowed"),
    (("--port", "a,b"), 2,
     "argument --port: Invalid argument a,b; characters ',' and '=' are not allowed"),
    (("--nic", "net-id="), 2, f"argument --nic: Invalid argument net-id=; {NIC_FORM}"),
    # osc-lib's KeyValueAction: a key is required.
    (("--nic", "none", "--property", "=x"), 2,
     "argument --property: Property key must be specified: =x"),
    (("--nic", "net-id=private,port-id=p1"), 2,
     "argument --nic: Invalid argument net-id=private,port-id=p1; either 'network' or 'port' "
     "should be specified but not both"),
    (("--nic", "net-id=private,v4-fixed-ip=10.0.0.9,v6-fixed-ip=::1"), 2,
     "argument --nic: Invalid argument net-id=private,v4-fixed-ip=10.0.0.9,v6-fixed-ip=::1; "
     "either 'v4-fixed-ip' or 'v6-fixed-ip' should be specified but not both"),
    # Neither a network nor a port: Nova's 400 (not a silent failure).
    (("--nic", "v4-fixed-ip=10.0.0.9"), 1, "Bad network format: missing 'uuid'"),
    (("--nic", "tag=t"), 1, "Bad network format: missing 'uuid'"),
    (("--port", "p1", "--min", "2", "--max", "2"), 1,
     "Failed to launch instances: Unable to launch multiple instances with a single "
     "configured port ID. Please launch your instance one by one with different ports."),
    (("--nic", "net-id=private,v4-fixed-ip=10.0.0.9", "--max", "2"), 1,
     "Failed to launch instances: max_count cannot be greater than 1 if an fixed_ip is "
     "specified."),
    (("--nic", "net-id=private", "--hostname", "h", "--max", "2"), 1,
     "Unable to allocate a single hostname to multiple instances"),
    (("--hostname", "h", "--max", "2"), 1,
     "Unable to allocate a single hostname to multiple instances"),
])
def test_refusals_leave_nothing(compute: Runner, store_snapshot: Snapshot,
                                capsys: pytest.CaptureFixture[str],
                                args: tuple[str, ...], rc: int, error: str) -> None:
    assert compute("port", "create", "--network", "private", "p1").rc == 0
    before = store_snapshot()
    capsys.readouterr()
    made = compute(*BOOT, *args, "s1")
    assert (made.rc, made.out) == (rc, "")
    # Usage errors are argparse's, on the process's stderr.
    err = made.err if rc == 1 else capsys.readouterr().err
    assert err.strip().splitlines()[-1].endswith(error), err
    assert store_snapshot() == before


def test_nics_are_in_the_order_given(compute: Runner) -> None:
    assert compute("network", "create", "other").rc == 0
    assert compute("subnet", "create", "--network", "other", "--subnet-range", "10.1.0.0/24",
                   "other-subnet").rc == 0
    assert compute("port", "create", "--network", "other", "p1").rc == 0
    made = compute(*BOOT, "--port", "p1", "--nic", "net-id=private", "s1", "-f", "json")
    assert made.rc == 0, made.err
    assert list(made.json()["addresses"]) == ["other", "private"]
    made = compute(*BOOT, "--network", "other", "--nic", "net-id=private", "s2", "-f", "json")
    assert list(made.json()["addresses"]) == ["other", "private"]
    assert compute(*BOOT, "--no-network", "s3").rc == 0
    assert compute("server", "show", "s3", "-f", "json").json()["addresses"] == {}


def test_a_port_for_two_servers_is_not_bound_twice(compute: Runner) -> None:
    assert compute("port", "create", "--network", "private", "p1").rc == 0
    assert compute(*BOOT, "--port", "p1", "--min", "2", "--max", "2", "s").rc == 1
    assert compute("server", "list", "-f", "value").out == ""
    assert compute("port", "show", "p1", "-c", "device_id", "-f", "value").out.strip() == ""
