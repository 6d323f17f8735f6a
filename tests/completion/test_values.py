"""The helper and its sources: what each kind lists, IDs, the cloud cache, and side effects."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ostack_cli.completion import values
from ostack_cli.state import paths
from tests.completion.conftest import OSTACK, World
from tests.conftest import snapshot

PYTHON = str(OSTACK.with_name("python"))


def helper(world: World, *args: str, program: list[str] | None = None) -> list[str]:
    done = subprocess.run([*(program or [PYTHON, "-m", "ostack_cli.completion"]), *args],
                          env=world.env, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    return done.stdout.splitlines()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("server", ["Hobbiton", "it's mine", "web-1", "web-2"]),
        ("flavor", ["m1.large", "m1.medium", "m1.small", "m1.tiny", "m1.xlarge"]),
        ("image", ["cirros"]),
        ("network", ["my net", "private", "pub"]),
        ("external_network", ["pub"]),
        ("subnet", ["priv-sub", "pub-sub"]),
        ("router", ["r1"]),
        ("security_group", ["default", "web $x"]),
        ("keypair", ["deploy key", "k1"]),
        ("project", ["admin", "demo", "proj-a"]),
        ("volume", []),
        ("no-such-kind", []),
    ],
)
def test_kinds_by_name(world: World, kind: str, expected: list[str]) -> None:
    assert helper(world, "--kind", kind) == expected


def test_floating_ips_by_address_free_and_associated(world: World) -> None:
    free, used = world.ids["fip:free"], world.ids["fip:used"]
    assert helper(world, "--kind", "floating_ip") == sorted([free, used])
    assert helper(world, "--kind", "floating_ip_free") == [free]
    assert helper(world, "--kind", "floating_ip_associated") == [used]


def test_ports_named_and_unnamed(world: World) -> None:
    """Unnamed ports (the router's) come by ID; the floating IPs' hidden ports never."""
    listed = helper(world, "--kind", "port")
    assert "my port" in listed
    ids = [item for item in listed if item != "my port"]
    assert ids and all(len(item) == 36 for item in ids)
    with_prefix = helper(world, "--kind", "port", world.ids["port:my port"][:6])
    assert with_prefix == [world.ids["port:my port"]]


def test_ids_only_once_a_prefix_is_typed(world: World) -> None:
    server_id = world.ids["server:web-1"]
    assert server_id not in helper(world, "--kind", "server")
    assert helper(world, "--kind", "server", server_id[:4]) == [server_id]
    assert helper(world, "--kind", "server", "web-") == ["web-1", "web-2"]


def test_candidates_policy() -> None:
    rows = [("a1", "alpha"), ("b2", ""), ("a3", "beta"), ("c4", "gamma")]
    assert values.candidates(rows, "") == ["alpha", "b2", "beta", "gamma"]
    assert values.candidates(rows, "a") == ["alpha"]  # a name wins over ID prefixes
    assert values.candidates(rows, "a3") == ["a3"]
    assert values.candidates(rows, "b") == ["b2", "beta"]  # no name: its ID always
    assert values.candidates(rows, "c") == ["c4"]
    assert values.candidates([("x", "two\nlines")], "") == []


def test_servers_of_the_acting_project_only(world: World) -> None:
    assert helper(world, "--", "ostack", "--os-project-name", "demo", "server", "show", "") == [
        "words", "demo-only"]
    assert helper(world, "--", "ostack", "--os-project-id", "nosuch", "server", "show", "") == [
        "words"]


def test_the_cli_entry_gives_the_same_answer(world: World) -> None:
    words = ["--", "ostack", "server", "create", "--nic", "net-id="]
    assert helper(world, *words, program=[str(OSTACK), "__complete"]) == helper(world, *words)
    assert helper(world, *words) == ["words", "net-id=my net", "net-id=private", "net-id=pub"]


def test_the_helper_loads_no_cli_or_backend(world: World) -> None:
    code = (
        "import sys\n"
        "from ostack_cli.completion.values import main\n"
        "main(['--', 'ostack', 'server', 'show', ''])\n"
        "heavy = {'cliff', 'cmd2', 'libvirt', 'pyroute2', 'openstack', 'keystoneauth1', 'yaml'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([PYTHON, "-c", code], env=world.env, capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_tab_changes_nothing_in_the_store(world: World) -> None:
    before = snapshot(world.home)
    for kind in values.LOCAL_QUERIES:
        helper(world, "--kind", kind)
    helper(world, "--", "ostack", "security", "group", "show", "")
    assert snapshot(world.home) == before


def test_no_store_yet_offers_nothing_and_makes_none(world: World, tmp_path: Path) -> None:
    home = tmp_path / "never"
    env = dict(world.env, OSTACK_HOME=str(home))
    done = subprocess.run([PYTHON, "-m", "ostack_cli.completion", "--", "ostack", "flavor",
                           "show", ""], env=env, capture_output=True, text=True, check=True)
    assert done.stdout == "words\n"
    assert not home.exists()


def test_state_dir_is_the_clis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OSTACK_HOME", str(tmp_path / "explicit"))
    assert values.local_state_dir() == paths.state_dir()
    monkeypatch.delenv("OSTACK_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert values.local_state_dir() == paths.state_dir() == tmp_path / "data" / "ostack"


def test_usage_errors_exit_2(world: World) -> None:
    done = subprocess.run([PYTHON, "-m", "ostack_cli.completion", "ostack"], env=world.env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("usage:")


def test_a_slow_answer_becomes_no_answer() -> None:
    code = (
        "import time\n"
        "from ostack_cli.completion.values import deadline\n"
        "with deadline(0.3):\n"
        "    time.sleep(10)\n"
        "    print('too late')\n"
    )
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=10)
    assert (done.returncode, done.stdout) == (0, "")
    assert time.monotonic() - start < 5


# -- the per-cloud cache -------------------------------------------------------------------


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "ostack" / "completion"


def test_write_cache_file_format_and_mode(cache_home: Path) -> None:
    values.write_cache("my cloud", "server", [("id-1", "one"), "two"])
    path = cache_home / "my%20cloud" / "server.json"
    assert values.cache_path("my cloud", "server") == path
    data = json.loads(path.read_text())
    assert data["version"] == 1
    assert (data["cloud"], data["kind"]) == ("my cloud", "server")
    assert data["items"] == [["id-1", "one"], ["", "two"]]
    assert abs(data["written_at"] - time.time()) < 60
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["server.json"]
    assert values.CacheSource("my cloud").rows("server") == [("id-1", "one"), ("", "two")]


def test_cache_names_cannot_escape_the_cache(cache_home: Path) -> None:
    path = values.cache_path("../..", "../server")
    assert path.parent.parent == cache_home
    assert ".." not in path.relative_to(cache_home).parts


def test_cache_expires(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values.write_cache("c", "flavor", ["big"])
    assert values.CacheSource("c").rows("flavor") == [("", "big")]
    monkeypatch.setenv("OSTACK_COMPLETION_CACHE_TTL", "0")
    assert values.CacheSource("c").rows("flavor") == []


def test_cache_records_writes_the_narrower_lists(cache_home: Path) -> None:
    values.cache_records("c", "network", [
        {"id": "n1", "name": "public", "is_router_external": True},
        {"id": "n2", "name": "private", "is_router_external": False},
    ])
    values.cache_records("c", "floating_ip", [
        {"id": "f1", "floating_ip_address": "203.0.113.5", "port_id": None},
        {"id": "f2", "floating_ip_address": "203.0.113.6", "port_id": "p1"},
    ])
    source = values.CacheSource("c")
    assert source.rows("network") == [("n1", "public"), ("n2", "private")]
    assert source.rows("external_network") == [("n1", "public")]
    assert source.rows("floating_ip_free") == [("f1", "203.0.113.5")]
    assert source.rows("floating_ip_associated") == [("f2", "203.0.113.6")]


def test_an_unwritable_cache_is_ignored(cache_home: Path) -> None:
    cache_home.parent.mkdir(parents=True)
    cache_home.write_text("a file where the cache directory should be")
    values.write_cache("c", "server", ["x"])  # raises nothing
    assert values.CacheSource("c").rows("server") == []


def test_cloud_warnings_stay_off_the_prompt(world: World, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A world-readable clouds.yaml with a password makes the CLI warn; TAB stays silent."""
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  leaky:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n"
                      "      password: secret\n")
    clouds.chmod(0o644)
    world_env = dict(world.env, OS_CLIENT_CONFIG_FILE=str(clouds))
    done = subprocess.run([PYTHON, "-m", "ostack_cli.completion", "--", "ostack", "--os-cloud",
                           "leaky", "server", "show", ""], env=world_env, capture_output=True,
                          text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "words\n", "")
    # In the CLI's own process (the interactive shell) logging is left as it was.
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    assert isinstance(values.open_source({"--os-cloud": "leaky"}), values.CacheSource)
    import logging

    assert logging.root.manager.disable == logging.NOTSET
