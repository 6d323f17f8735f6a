"""The cloud backend's auth cache: tokens reused between commands, safely (no real cloud)."""

from __future__ import annotations

import datetime
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostack_cli.backend.cloud import auth_cache, connection
from ostack_cli.backend.cloud.cached_region import auth_identity
from ostack_cli.config import select_backend
from ostack_cli.errors import OstackError
from tests.conftest import Runner
from tests.unit.cloud import fake_cloud
from tests.unit.cloud.conftest import WriteClouds, password_cloud
from tests.unit.cloud.test_connection import global_options, region_for

# openstacksdk warns about its own internals on to_dict().
pytestmark = pytest.mark.filterwarnings("ignore:The _compute_attributes method")


@pytest.fixture
def cloud(config_home: Path, write_clouds: WriteClouds,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[fake_cloud.FakeCloud]:
    """A fake cloud on loopback, named ``fake`` (and ``nocache``, with the cache off) in
    clouds.yaml."""
    monkeypatch.delenv(auth_cache.ENV_SWITCH, raising=False)
    with fake_cloud.running() as fake:
        write_clouds({"clouds": {
            "fake": fake.cloud_entry(),
            "nocache": fake.cloud_entry(ostack_auth_cache=False),
        }})
        yield fake


def cache_files() -> list[Path]:
    directory = Path(os.environ["OSTACK_HOME"]) / "auth"
    return sorted(directory.glob("*.json")) if directory.exists() else []


def flavor_list(cli: Runner, *extra: str, cloud: str = "fake") -> None:
    result = cli(*extra, "--os-cloud", cloud, "flavor", "list", "-f", "value", "-c", "Name")
    assert (result.rc, result.out) == (0, "m1.tiny\n"), result.err


def test_a_second_command_reuses_the_token_catalog_and_discovery(
    cli: Runner, cloud: fake_cloud.FakeCloud
) -> None:
    flavor_list(cli)
    assert (cloud.token_requests(), cloud.discovery_requests()) == (1, 2)
    cloud.requests.clear()
    flavor_list(cli)
    # Only the call the command exists for: no token, no catalog, no version discovery.
    assert [(r.method, r.path) for r in cloud.requests] == [
        ("GET", "/compute/v2.1/flavors/detail")]
    assert cloud.requests[0].token == cloud.issued[0]


def test_cache_files_are_private_and_hold_no_secret_in_their_names(
    cli: Runner, cloud: fake_cloud.FakeCloud
) -> None:
    flavor_list(cli)
    directory = Path(os.environ["OSTACK_HOME"]) / "auth"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    [path] = cache_files()
    for private in (path, directory / auth_cache.KEY_FILE):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == sorted([".key", path.name])
    assert fake_cloud.PASSWORD not in path.name and cloud.issued[0] not in path.name
    data = json.loads(path.read_text())
    assert fake_cloud.PASSWORD not in path.read_text()
    assert json.loads(data["auth_state"])["auth_token"] == cloud.issued[0]


def test_a_revoked_token_is_replaced_once_transparently(
    cli: Runner, cloud: fake_cloud.FakeCloud
) -> None:
    flavor_list(cli)
    cloud.revoked.add(cloud.issued[0])
    cloud.requests.clear()
    flavor_list(cli)
    assert [(r.method, r.path) for r in cloud.requests] == [
        ("GET", "/compute/v2.1/flavors/detail"),  # 401 with the cached token
        ("POST", "/identity/v3/auth/tokens"),  # no discovery: the cached one serves
        ("GET", "/compute/v2.1/flavors/detail"),
    ]
    assert cloud.requests[-1].token == cloud.issued[1]
    # The new token replaced the revoked one.
    cloud.requests.clear()
    flavor_list(cli)
    assert cloud.token_requests() == 0
    assert cloud.requests[0].token == cloud.issued[1]


def test_a_refused_reauthentication_fails_and_forgets_the_cache(
    cli: Runner, cloud: fake_cloud.FakeCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    flavor_list(cli)
    cloud.revoked.add(cloud.issued[0])
    monkeypatch.setattr(fake_cloud, "PASSWORD", "changed-on-the-server")
    result = cli("--debug", "--os-cloud", "fake", "flavor", "list")
    assert result.rc == 1
    assert "The request you have made requires authentication." in result.err
    assert cloud.issued[0] not in result.err + result.out
    assert cache_files() == []


def test_a_token_close_to_its_expiry_is_not_reused(
    cli: Runner, cloud: fake_cloud.FakeCloud
) -> None:
    cloud.token_lifetime = auth_cache.EXPIRY_MARGIN - datetime.timedelta(seconds=30)
    flavor_list(cli)
    flavor_list(cli)
    assert cloud.token_requests() == 2
    cloud.token_lifetime = auth_cache.EXPIRY_MARGIN + datetime.timedelta(minutes=2)
    flavor_list(cli)
    flavor_list(cli)
    assert cloud.token_requests() == 3


def test_expiry_margin_on_load(tmp_path: Path) -> None:
    cache = auth_cache.AuthCache({"auth": "x"}, tmp_path)
    now = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    for left, reused in ((auth_cache.EXPIRY_MARGIN + datetime.timedelta(seconds=1), True),
                         (auth_cache.EXPIRY_MARGIN - datetime.timedelta(seconds=1), False)):
        cache.save(auth_cache.CachedAuth("{}", now + left, {}, 0.0))
        assert (cache.load(now=now) is not None) is reused
    # The refused one is gone from the disk too.
    assert not cache.path.exists()


def test_old_discovery_is_read_again_but_the_token_is_kept(
    cli: Runner, cloud: fake_cloud.FakeCloud
) -> None:
    flavor_list(cli)
    [path] = cache_files()
    data = json.loads(path.read_text())
    data["discovered_at"] -= auth_cache.DISCOVERY_MAX_AGE + 1
    auth_cache.write_atomically(path, json.dumps(data).encode())
    cloud.requests.clear()
    flavor_list(cli)
    assert [(r.method, r.path) for r in cloud.requests] == [
        ("GET", "/compute/v2.1"), ("GET", "/compute/v2.1/flavors/detail")]


@pytest.mark.parametrize("how", ["option", "env", "clouds.yaml"])
def test_the_cache_can_be_turned_off(
    cli: Runner, cloud: fake_cloud.FakeCloud, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    extra: tuple[str, ...] = ()
    name = "fake"
    if how == "option":
        extra = ("--os-auth-cache", "off")
    elif how == "env":
        monkeypatch.setenv(auth_cache.ENV_SWITCH, "0")
    else:
        name = "nocache"
    flavor_list(cli, *extra, cloud=name)
    flavor_list(cli, *extra, cloud=name)
    assert cloud.token_requests() == 2
    assert cache_files() == []


def test_an_option_beats_the_environment_which_beats_clouds_yaml() -> None:
    env_off = {auth_cache.ENV_SWITCH: "off"}
    assert auth_cache.enabled(None, {}, {}) is True
    assert auth_cache.enabled(None, env_off, {}) is False
    assert auth_cache.enabled("on", env_off, {}) is True
    assert auth_cache.enabled(None, {auth_cache.ENV_SWITCH: "yes"},
                              {"ostack_auth_cache": False}) is True
    assert auth_cache.enabled(None, {}, {"ostack_auth_cache": "false"}) is False
    with pytest.raises(OstackError) as caught:
        auth_cache.enabled(None, {auth_cache.ENV_SWITCH: "maybe"}, {})
    assert str(caught.value) == "OSTACK_AUTH_CACHE must be on or off, not 'maybe'"


def test_the_option_takes_on_or_off(cli: Runner, cloud: fake_cloud.FakeCloud,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    result = cli("--os-auth-cache", "sometimes", "--os-cloud", "fake", "flavor", "list")
    assert result.rc == 2
    assert "argument --os-auth-cache: invalid choice: 'sometimes'" in capsys.readouterr().err
    assert cloud.requests == []


def test_a_cache_file_that_is_not_private_is_not_trusted(
    cli: Runner, cloud: fake_cloud.FakeCloud
) -> None:
    flavor_list(cli)
    [path] = cache_files()
    path.chmod(0o644)
    flavor_list(cli)
    assert cloud.token_requests() == 2
    [path] = cache_files()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_unreadable_cache_file_means_a_new_token(
    cli: Runner, cloud: fake_cloud.FakeCloud
) -> None:
    flavor_list(cli)
    [path] = cache_files()
    auth_cache.write_atomically(path, b"{not json")
    flavor_list(cli)
    assert cloud.token_requests() == 2


def test_a_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "state.json"
    auth_cache.write_atomically(target, b"old")

    def interrupted(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(auth_cache.os, "replace", interrupted)
    with pytest.raises(OSError):
        auth_cache.write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_the_cache_key_covers_every_part_of_the_auth_config(
    config_home: Path, write_clouds: WriteClouds
) -> None:
    changed_auth = {
        "auth_url": ("auth_url", "http://127.0.0.2:5000/v3"),
        "username": ("username", "demo"),
        "user_domain": ("user_domain_name", "Other"),
        "project": ("project_name", "demo"),
        "project_domain": ("project_domain_name", "Other"),
        "password": ("password", "another"),
    }
    clouds = {"base": password_cloud(regions=["RegionOne", "RegionTwo"]),
              "same": password_cloud(regions=["RegionOne", "RegionTwo"]),
              "tls": password_cloud(verify=False),
              "system": password_cloud()}
    for name, (key, value) in changed_auth.items():
        clouds[name] = password_cloud()
        clouds[name]["auth"][key] = value
    del clouds["system"]["auth"]["project_name"]
    clouds["user_id"] = password_cloud()
    clouds["user_id"]["auth"]["user_id"] = clouds["user_id"]["auth"].pop("username")
    clouds["system"]["auth"]["system_scope"] = "all"
    write_clouds({"clouds": clouds})
    argvs = {name: ["--os-cloud", name] for name in clouds}
    argvs["region"] = ["--os-cloud", "base", "--os-region-name", "RegionTwo"]
    argvs["interface"] = ["--os-cloud", "base", "--os-interface", "internal"]
    argvs["project_id"] = ["--os-cloud", "base", "--os-project-id", "p1"]
    key = b"k" * auth_cache.KEY_BYTES
    names = {name: auth_cache.file_name(key, auth_identity(region_for(*argv)))
             for name, argv in argvs.items()}
    assert names.pop("same") == names["base"]
    assert len(set(names.values())) == len(names), names


def test_forgetting_removes_a_cloud_users_cache_even_when_caching_is_off(
    cli: Runner, cloud: fake_cloud.FakeCloud
) -> None:
    flavor_list(cli)
    assert cache_files()
    options = global_options("--os-cloud", "fake", "--os-auth-cache", "off")
    conn = connection.connect(select_backend(options), options)
    try:
        connection.forget_cached_auth(conn)
    finally:
        conn.close()
    assert cache_files() == []


def test_forgetting_drops_the_token_in_use(cli: Runner, cloud: fake_cloud.FakeCloud) -> None:
    flavor_list(cli)
    options = global_options("--os-cloud", "fake")
    conn = connection.connect(select_backend(options), options)
    try:
        connection.forget_cached_auth(conn)
        assert cache_files() == []
        list(conn.compute.flavors())
    finally:
        conn.close()
    # The connection authenticated anew and kept the new token, not the forgotten one.
    assert cloud.token_requests() == 2
    [path] = cache_files()
    assert json.loads(json.loads(path.read_text())["auth_state"])["auth_token"] == \
        cloud.issued[1]


def test_a_token_never_shows_in_debug_output(cli: Runner, cloud: fake_cloud.FakeCloud,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    first = cli("--debug", "--os-cloud", "fake", "flavor", "list")
    second = cli("--debug", "--os-cloud", "fake", "flavor", "list")
    cloud.revoked.add(cloud.issued[0])
    third = cli("--debug", "--os-cloud", "fake", "flavor", "list")
    assert (first.rc, second.rc, third.rc) == (0, 0, 0)
    captured = capfd.readouterr()
    everything = "".join([first.err, second.err, third.err, first.out, second.out, third.out,
                          captured.out, captured.err])
    assert "Reusing the cached token" in everything
    for secret in [*cloud.issued, fake_cloud.PASSWORD]:
        assert secret not in everything


def test_tokens_of_other_configs_are_left_alone_and_expired_ones_pruned(
    tmp_path: Path
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    live = auth_cache.AuthCache({"user": "a"}, tmp_path)
    expired = auth_cache.AuthCache({"user": "b"}, tmp_path)
    expired.save(auth_cache.CachedAuth("{}", now - datetime.timedelta(minutes=1), {}, 0.0))
    live.save(auth_cache.CachedAuth("{}", now + datetime.timedelta(hours=1), {}, 0.0))
    assert live.path.exists() and not expired.path.exists()
