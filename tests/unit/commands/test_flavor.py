from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Runner

Snapshot = Callable[[], list[tuple[Any, ...]]]

DEFAULTS = [
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 20, 1),
    ("3", "m1.medium", 4096, 40, 2),
    ("4", "m1.large", 8192, 80, 4),
    ("5", "m1.xlarge", 16384, 160, 8),
]


def test_fresh_store_has_novas_classic_flavors(cli: Runner) -> None:
    result = cli("flavor", "list", "-f", "json")
    assert result.rc == 0, result.err
    assert result.json() == [
        {"ID": fid, "Name": name, "RAM": ram, "Disk": disk, "Ephemeral": 0, "VCPUs": vcpus,
         "Is Public": True}
        for fid, name, ram, disk, vcpus in DEFAULTS
    ]


def test_list_table_matches_the_real_client(cli: Runner) -> None:
    result = cli("flavor", "list")
    assert result.out.splitlines()[:4] == [
        "+----+-----------+-------+------+-----------+-------+-----------+",
        "| ID | Name      |   RAM | Disk | Ephemeral | VCPUs | Is Public |",
        "+----+-----------+-------+------+-----------+-------+-----------+",
        "| 1  | m1.tiny   |   512 |    1 |         0 |     1 | True      |",
    ]


def test_list_long_adds_swap_rxtx_properties(cli: Runner) -> None:
    result = cli("flavor", "list", "--long", "-f", "json")
    assert list(result.json()[0]) == ["ID", "Name", "RAM", "Disk", "Ephemeral", "VCPUs",
                                      "Is Public", "Swap", "RXTX Factor", "Properties"]
    assert result.json()[0]["Properties"] == {}


def test_show_fields_and_types(cli: Runner) -> None:
    result = cli("flavor", "show", "m1.tiny", "-f", "json")
    assert result.json() == {
        "OS-FLV-DISABLED:disabled": False,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "access_project_ids": None,
        "description": None,
        "disk": 1,
        "id": "1",
        "name": "m1.tiny",
        "os-flavor-access:is_public": True,
        "properties": {},
        "ram": 512,
        "rxtx_factor": 1.0,
        "swap": 0,
        "vcpus": 1,
    }


def test_show_by_id_and_table_form(cli: Runner) -> None:
    result = cli("flavor", "show", "2")
    lines = result.out.splitlines()
    assert lines[1] == "| Field                      | Value    |"
    assert "| name                       | m1.small |" in lines


def test_create_defaults_and_output_without_access_ids(cli: Runner) -> None:
    result = cli("flavor", "create", "tiny2", "--id", "42", "-f", "json")
    assert result.rc == 0, result.err
    data = result.json()
    assert "access_project_ids" not in data
    assert (data["id"], data["ram"], data["disk"], data["vcpus"]) == ("42", 256, 0, 1)


def test_create_private_with_project_and_properties(cli: Runner) -> None:
    result = cli("flavor", "create", "p1", "--private", "--project", "demo", "--ram", "64",
                 "--property", "hw:cpu_policy=dedicated", "-f", "json")
    assert result.rc == 0, result.err
    shown = cli("flavor", "show", "p1", "-f", "json").json()
    demo_id = cli("project", "show", "demo", "-f", "value", "-c", "id").out.strip()
    assert shown["access_project_ids"] == [demo_id]
    assert shown["properties"] == {"hw:cpu_policy": "dedicated"}
    assert cli("flavor", "list", "-f", "value", "-c", "Name").out.split() == [
        "m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"]
    assert "p1" in cli("flavor", "list", "--private", "-f", "value", "-c", "Name").out
    assert "p1" in cli("flavor", "list", "--all", "-f", "value", "-c", "Name").out


def test_duplicate_name_is_refused(cli: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    cli("flavor", "list")
    before = store_snapshot()
    result = cli("flavor", "create", "m1.tiny")
    assert (result.rc, result.out) == (1, "")
    assert result.err.strip() == "Flavor with name m1.tiny already exists."
    assert store_snapshot() == before


def test_set_unset_properties_print_nothing(cli: Runner) -> None:
    assert cli("flavor", "set", "m1.tiny", "--property", "a=1", "--property", "b=2").out == ""
    # The value formatter prints the raw Python value, as the real client does...
    assert cli("flavor", "show", "m1.tiny", "-c", "properties", "-f", "value").out == (
        "{'a': '1', 'b': '2'}\n")
    # ...and the table osc-lib's key='value' form.
    table = cli("flavor", "show", "m1.tiny", "-c", "properties").out
    assert "| properties | a='1', b='2' |" in table
    assert cli("flavor", "unset", "m1.tiny", "--property", "a").rc == 0
    assert cli("flavor", "show", "m1.tiny", "-c", "properties", "-f", "json").json() == {
        "properties": {"b": "2"}}
    assert cli("flavor", "set", "m1.tiny", "--no-property").rc == 0
    assert cli("flavor", "show", "m1.tiny", "-c", "properties", "-f", "json").json() == {
        "properties": {}}


def test_delete_many_goes_on_past_failure(cli: Runner) -> None:
    cli("flavor", "create", "a")
    result = cli("flavor", "delete", "a", "nosuch")
    assert result.rc == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "Failed to delete flavor with name or ID 'nosuch': No Flavor found for nosuch",
        "1 of 2 flavors failed to delete.",
    ]
    assert cli("flavor", "show", "a").err.strip() == "No Flavor found for a"


def test_duplicate_names_are_ambiguous(cli: Runner) -> None:
    # Only IDs are unique; make two flavors share a name by renaming through the store.
    from ostack_cli.backend.local import LocalBackend

    backend = LocalBackend.open()
    cli("flavor", "create", "dup", "--id", "d1")
    with backend.store.transaction():
        backend.store.conn.execute(
            "UPDATE resources SET unique_key = NULL WHERE kind = 'flavor' AND id = 'd1'")
    backend.close()
    cli("flavor", "create", "dup", "--id", "d2")
    result = cli("flavor", "show", "dup")
    assert result.err.strip() == "More than one Flavor exists with the name 'dup'."
    assert cli("flavor", "show", "d2", "-f", "value", "-c", "id").out == "d2\n"


def test_bad_values_are_refused(cli: Runner, store_snapshot) -> None:  # type: ignore[no-untyped-def]
    cli("flavor", "list")
    before = store_snapshot()
    assert cli("flavor", "create", "x", "--ram", "0").rc == 1
    assert cli("flavor", "create", "x", "--ram", "abc").rc == 2
    assert cli("flavor", "create", "x" * 10_000).rc == 1
    assert cli("flavor", "create", "x", "--property", "novalue").rc == 2
    assert store_snapshot() == before


@pytest.mark.parametrize(("args", "error"), [
    (("--id", "a/b", "f"),
     "Invalid input for field/attribute id. Value: a/b. 'a/b' does not match "
     "'^(?! )[a-zA-Z0-9. _-]+(?<! )$'"),
    (("--id", " ab", "f"),
     "Invalid input for field/attribute id. Value:  ab. ' ab' does not match "
     "'^(?! )[a-zA-Z0-9. _-]+(?<! )$'"),
    ((" f",), "An invalid 'name' value was provided. The name must be: printable characters. "
              "Can not start or end with whitespace."),
    (("",), "Invalid input for field/attribute name. Value: . '' should be non-empty"),
])
def test_create_refuses_what_nova_refuses(cli: Runner, store_snapshot: Snapshot,
                                          args: tuple[str, ...], error: str) -> None:
    assert cli("flavor", "list").rc == 0
    before = store_snapshot()
    made = cli("flavor", "create", "--ram", "64", *args)
    assert (made.rc, made.out, made.err.strip()) == (1, "", error)
    assert store_snapshot() == before


def test_an_id_nova_takes(cli: Runner) -> None:
    made = cli("flavor", "create", "--ram", "64", "--id", "ok.id_1-x y", "f", "-f", "json")
    assert (made.rc, made.json()["id"]) == (0, "ok.id_1-x y")


def test_unset_of_a_missing_property_is_ignored(cli: Runner) -> None:
    """openstacksdk's delete_flavor_extra_specs_property ignores a missing key."""
    assert cli("flavor", "set", "m1.tiny", "--property", "a=1").rc == 0
    unset = cli("flavor", "unset", "m1.tiny", "--property", "nokey", "--property", "a")
    assert (unset.rc, unset.out, unset.err) == (0, "", "")
    assert cli("flavor", "show", "m1.tiny", "-c", "properties", "-f", "json").json() == {
        "properties": {}}
