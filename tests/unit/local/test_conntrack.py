"""Whether the conntrack table mentions an address, read from its procfs text (what lets a
rule change skip a netlink dump of the whole table when no flow of its ports exists)."""

from __future__ import annotations

from pathlib import Path

from ostack_cli.backend.local import conntrack

TABLE = (
    "ipv4     2 tcp      6 19 TIME_WAIT src=10.0.0.10 dst=127.0.0.1 sport=58544 dport=5000 "
    "src=127.0.0.1 dst=10.0.0.10 sport=5000 dport=58544 [ASSURED] mark=0 zone=0 use=2\n"
    "ipv6     10 udp      17 29 src=2001:0db8:0000:0000:0000:0000:0000:0005 "
    "dst=2001:0db8:0000:0000:0000:0000:0000:0001 sport=5353 dport=53 [UNREPLIED] "
    "src=2001:0db8:0000:0000:0000:0000:0000:0001 dst=2001:0db8:0000:0000:0000:0000:0000:0005 "
    "sport=53 dport=5353 mark=0 zone=0 use=2\n"
)


def test_an_address_in_either_tuple_is_mentioned(tmp_path: Path) -> None:
    table = tmp_path / "nf_conntrack"
    table.write_text(TABLE)
    assert conntrack._mentions(table, {"10.0.0.10"}) is True
    assert conntrack._mentions(table, {"127.0.0.1"}) is True
    assert conntrack._mentions(table, {"2001:db8::5"}) is True, "IPv6 is printed in full"


def test_a_prefix_of_an_address_is_not_the_address(tmp_path: Path) -> None:
    table = tmp_path / "nf_conntrack"
    table.write_text(TABLE)
    assert conntrack._mentions(table, {"10.0.0.1", "2001:db8::50"}) is False


def test_no_table_to_read_says_so(tmp_path: Path) -> None:
    assert conntrack._mentions(tmp_path / "absent", {"10.0.0.10"}) is None
