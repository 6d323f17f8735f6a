"""The SQLite store: migrations, transactions, uniqueness, IP allocation under contention."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ostack_cli.backend.models.flavor import Flavor
from ostack_cli.state import db
from ostack_cli.state.store import AddressInUse, Store, UniqueViolation


def test_fresh_store_is_wal_and_current(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.user_version(store.conn) == db.SCHEMA_VERSION
    store.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.db")
    conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this ostack"):
        Store(tmp_path / "s.db")


def test_writes_outside_a_transaction_are_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with pytest.raises(RuntimeError):
        store.insert(Flavor(id="1", name="a"))


def test_failed_transaction_rolls_back_everything(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with pytest.raises(ValueError), store.transaction():
        store.insert(Flavor(id="1", name="a"))
        raise ValueError("boom")
    assert store.list(Flavor) == []


def test_unique_key_is_enforced(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with store.transaction():
        store.insert(Flavor(id="1", name="a"))
    with pytest.raises(UniqueViolation) as info, store.transaction():
        store.insert(Flavor(id="2", name="a"))
    assert info.value.existing_id == "1"


def test_ip_allocation_lowest_free_requested_and_exhausted(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    pools = [("10.0.0.2", "10.0.0.4")]
    with store.transaction():
        got = [store.allocate_ip(network_id="n", subnet_id="s", port_id=f"p{i}", pools=pools)
               for i in range(4)]
    assert got == ["10.0.0.2", "10.0.0.3", "10.0.0.4", None]
    with store.transaction():
        store.release_ips("p1")
        assert store.allocate_ip(network_id="n", subnet_id="s", port_id="q", pools=pools) == (
            "10.0.0.3")
    with pytest.raises(AddressInUse), store.transaction():
        store.allocate_ip(network_id="n", subnet_id="s", port_id="r", pools=pools,
                          requested="10.0.0.2")


def test_concurrent_processes_never_share_an_address(tmp_path: Path) -> None:
    """20 processes, 10 claims each, into one pool: 200 distinct addresses, no lock errors."""
    path = tmp_path / "s.db"
    Store(path).close()
    worker = textwrap.dedent(f"""
        import sys
        from ostack_cli.state.store import Store
        store = Store({str(path)!r})
        for i in range(10):
            with store.transaction():
                ip = store.allocate_ip(network_id="n", subnet_id="s",
                                       port_id=sys.argv[1] + str(i),
                                       pools=[("10.0.0.2", "10.0.3.254")])
            print(ip)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", worker, f"w{n}-"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(20)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 20, [err for _, err in outputs]
    addresses = [line for out, _ in outputs for line in out.split()]
    assert len(addresses) == 200
    assert len(set(addresses)) == 200


def test_changes_are_reported_once_and_only_when_committed(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with pytest.raises(ValueError), store.transaction():
        store.insert(Flavor(id="1", name="a"))
        raise ValueError("boom")
    assert store.take_changes() == (set(), set())
    with store.transaction():
        store.insert(Flavor(id="1", name="a"))
    assert store.take_changes() == ({"flavor"}, set())
    assert store.take_changes() == (set(), set())
    with store.transaction():
        store.delete(Flavor, "1")
    assert store.take_changes() == ({"flavor"}, {("flavor", "1")})


def test_get_many_reads_records_by_id_across_query_chunks(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with store.transaction():
        for i in range(1203):  # more than two chunks of bound parameters
            store.insert(Flavor(id=str(i), name=f"f{i}"))
    wanted = [str(i) for i in range(0, 1203, 2)] + ["nosuch", "4"]
    found = store.get_many(Flavor, wanted)
    assert set(found) == {str(i) for i in range(0, 1203, 2)}
    assert found["1200"] == store.get(Flavor, "1200")
    assert store.get_many(Flavor, []) == {}
    store.close()


def test_records_read_back_and_replaced_equal_what_init_makes(tmp_path: Path) -> None:
    made = Flavor(id="1", name="a", vcpus=2, extra_specs={"k": "v"})
    read = Flavor.from_json(made.to_json())
    assert read == made and read is not made
    # Older records lack newer fields: __init__ gives them their defaults.
    partial = made.to_json()
    del partial["extra_specs"]
    assert Flavor.from_json(partial).extra_specs == {}
    changed = made.replace(name="b", vcpus=4)
    assert changed == Flavor(id="1", name="b", vcpus=4, extra_specs={"k": "v"})
    assert made.name == "a"  # the original is left as it was
    with pytest.raises(TypeError):
        made.replace(nosuch=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.name = "c"  # type: ignore[misc]
