"""bash beyond the shared cases: registration, paths, quoting inside open quotes, clouds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ostack_cli.completion import values
from tests.completion.conftest import World
from tests.completion.shells import BashSession


def test_both_programs_are_registered(bash: BashSession) -> None:
    assert bash.run("complete -p ostack openstack") == (
        "complete -F _ostack ostack\ncomplete -F _ostack openstack\n"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ostack image create --file ", ["cirros.qcow2", "keys"]),
        ("ostack image create --file c", ["cirros.qcow2"]),
        ("ostack keypair create --public-key keys/", ["keys/id.pub"]),
        ("ostack keypair create --private-key k", ["keys"]),
        ("ostack server create --user-data=c", ["cirros.qcow2"]),
        ("ostack image save --file ke", ["keys"]),
    ],
)
def test_paths_where_a_file_is_expected(bash: BashSession, line: str, expected: list[str]) -> None:
    assert sorted(bash.complete(line)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Inside an open quote readline closes the quote itself: the text goes in as it
        # would be typed there.
        ("ostack server show 'it", ["it'\\''s mine"]),
        ('ostack server show "it', ["it's mine"]),
        ("ostack server show it", ["it\\'s\\ mine"]),
        ("ostack server show it\\'s\\ m", ["it\\'s\\ mine"]),
        ('ostack security group show "w', ["web \\$x"]),
        ("ostack security group show 'w", ["web $x"]),
    ],
)
def test_names_come_back_quoted_for_the_shell(
    bash: BashSession, line: str, expected: list[str]
) -> None:
    assert bash.complete(line) == expected


def test_ids_complete_once_typed(bash: BashSession, world: World) -> None:
    server_id = world.ids["server:Hobbiton"]
    assert bash.complete(f"ostack server show {server_id[:8]}") == [server_id]
    network_id = world.ids["network:my net"]
    assert bash.complete(f"ostack server create --nic net-id={network_id[:8]}") == [network_id]


def test_global_options_before_the_command(bash: BashSession) -> None:
    assert bash.complete("ostack --debug --os-project-name demo server show d") == ["demo-only"]
    assert bash.complete("ostack --os-project-name ") == ["admin", "demo", "proj-a"]
    assert bash.complete("ostack --os-project-name proj-a server show ") == []
    assert bash.complete("ostack --os-project-name demo ser") == ["server"]


def test_nothing_for_an_unknown_project(bash: BashSession) -> None:
    assert bash.complete("ostack --os-project-name nosuch server show ") == []
    assert bash.complete("ostack --os-project-name nosuch flavor show m1.ti") == ["m1.tiny"]


def _clouds_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clouds.yaml"
    path.write_text(text)
    path.chmod(0o600)
    return path


CLOUDS = """\
clouds:
  far:
    auth:
      auth_url: http://127.0.0.1:9/v3
      username: u
      password: p
      project_name: x
  here:
    ostack_backend: local
"""


def test_cloud_names_from_clouds_yaml(bash: BashSession, tmp_path: Path) -> None:
    path = _clouds_yaml(tmp_path, CLOUDS)
    out = bash.run(f"(export OS_CLIENT_CONFIG_FILE={path}; {_complete_cmd('ostack --os-cloud ')})")
    assert out.split("\0")[:-1] == ["far", "here"]


def test_cloud_names_from_the_cache_never_a_login(
    bash: BashSession, tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _clouds_yaml(tmp_path, CLOUDS)
    monkeypatch.setenv("XDG_CACHE_HOME", world.env["XDG_CACHE_HOME"])
    values.write_cache("far", "server", [("9f1c", "far-away"), ("77aa", "farther")])
    values.write_cache("far", "external_network", ["public"])
    prefix = f"export OS_CLIENT_CONFIG_FILE={path};"
    start = time.monotonic()
    out = bash.run(f"({prefix} {_complete_cmd('ostack --os-cloud far server show f')})")
    assert out.split("\0")[:-1] == ["far-away", "farther"]
    # The auth URL answers nothing: any attempt to log in would have failed or hung.
    assert time.monotonic() - start < 5
    out = bash.run(f"({prefix} export OS_CLOUD=far; {_complete_cmd('ostack floating ip create ')})")
    assert out.split("\0")[:-1] == ["public"]
    # A clouds.yaml entry that asks for the local backend completes from the store.
    out = bash.run(f"({prefix} {_complete_cmd('ostack --os-cloud here server show H')})")
    assert out.split("\0")[:-1] == ["Hobbiton"]


def test_an_expired_cache_offers_nothing(
    bash: BashSession, tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _clouds_yaml(tmp_path, CLOUDS)
    monkeypatch.setenv("XDG_CACHE_HOME", world.env["XDG_CACHE_HOME"])
    values.write_cache("far", "flavor", ["big"])
    line = _complete_cmd("ostack --os-cloud far flavor show ")
    assert bash.run(f"(export OS_CLIENT_CONFIG_FILE={path}; {line})") == "big\0"
    cache = values.cache_path("far", "flavor")
    data = json.loads(cache.read_text())
    data["written_at"] -= values.CACHE_TTL_SECONDS + 1
    cache.write_text(json.dumps(data))
    assert bash.run(f"(export OS_CLIENT_CONFIG_FILE={path}; {line})") == ""


def _complete_cmd(line: str) -> str:
    """Shell code completing ``line`` with __t (the words split on blanks only)."""
    from tests.completion.shells import readline_words, shlex

    words = readline_words(line)
    return "__t " + " ".join(shlex.quote(w) for w in [line, *words])
