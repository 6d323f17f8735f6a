"""Backend selection and clouds.yaml/secure.yaml discovery, as openstacksdk finds them."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ostack_cli import config
from ostack_cli.errors import OstackError
from tests.conftest import Runner
from tests.unit.cloud.conftest import WriteClouds, password_cloud


def options(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**{"os_cloud": None, "os_auth_url": None,
                                 "os_project_name": None, **values})


def test_no_cloud_named_is_local(config_home: Path, write_clouds: WriteClouds) -> None:
    # Unlike the real client, one cloud in clouds.yaml is not picked implicitly: a cloud
    # must be named.
    write_clouds({"clouds": {"only": password_cloud()}})
    selection = config.select_backend(options())
    assert selection == config.Selection(config.LOCAL)


def test_named_cloud_selects_cloud(config_home: Path, write_clouds: WriteClouds) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    selection = config.select_backend(options(os_cloud="mine"))
    assert selection.backend == config.CLOUD
    assert selection.cloud_name == "mine"
    assert selection.cloud_config["auth"]["username"] == "admin"


def test_auth_url_alone_selects_cloud(config_home: Path) -> None:
    selection = config.select_backend(options(os_auth_url="http://127.0.0.1:5000/v3"))
    assert selection == config.Selection(config.CLOUD)


def test_ostack_backend_local_entry(config_home: Path, write_clouds: WriteClouds) -> None:
    write_clouds({"clouds": {"here": {"ostack_backend": "local",
                                      "auth": {"project_name": "demo"}}}})
    selection = config.select_backend(options(os_cloud="here"))
    assert (selection.backend, selection.project_name) == (config.LOCAL, "demo")
    # --os-project-name beats the entry's project.
    selection = config.select_backend(options(os_cloud="here", os_project_name="admin"))
    assert selection.project_name == "admin"


def test_unknown_cloud_has_the_real_clients_message(
    config_home: Path, write_clouds: WriteClouds
) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    with pytest.raises(OstackError) as caught:
        config.select_backend(options(os_cloud="nosuch"))
    assert str(caught.value) == "Cloud nosuch was not found."


def test_unknown_cloud_without_any_file(config_home: Path) -> None:
    with pytest.raises(OstackError, match=r"^Cloud nosuch was not found\.$"):
        config.select_backend(options(os_cloud="nosuch"))


def test_search_order_first_file_wins(
    config_home: Path, write_clouds: WriteClouds, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_clouds({"clouds": {"home": password_cloud()}})
    cwd_file = write_clouds({"clouds": {"cwd": password_cloud()}}, directory=Path.cwd())
    # openstacksdk reads only the first clouds.yaml found: the one in the working directory.
    assert config.load_clouds().config_path == cwd_file
    with pytest.raises(OstackError, match="Cloud home was not found"):
        config.load_cloud("home")
    explicit = write_clouds({"clouds": {"explicit": password_cloud()}},
                            directory=tmp_path / "elsewhere", name="my.yaml")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(explicit))
    assert config.load_clouds().config_path == explicit
    assert config.load_cloud("explicit")["auth"]["project_name"] == "admin"


def test_yml_and_json_names(config_home: Path, write_clouds: WriteClouds) -> None:
    directory = config_home / ".config" / "openstack"
    directory.mkdir(parents=True)
    (directory / "clouds.json").write_text(json.dumps({"clouds": {"j": password_cloud()}}))
    assert config.load_cloud("j")["region_name"] == "RegionOne"
    write_clouds({"clouds": {"y": password_cloud()}}, name="clouds.yml")
    assert config.load_clouds().config_path == directory / "clouds.yml"


def test_secure_yaml_is_merged(config_home: Path, write_clouds: WriteClouds) -> None:
    entry = password_cloud()
    del entry["auth"]["password"]
    write_clouds({"clouds": {"mine": entry}})
    write_clouds({"clouds": {"mine": {"auth": {"password": "from-secure"}}}},
                 name="secure.yaml")
    merged = config.load_cloud("mine")
    assert merged["auth"]["password"] == "from-secure"
    assert merged["auth"]["username"] == "admin"


def test_secure_file_override(
    config_home: Path, write_clouds: WriteClouds, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    secure = write_clouds({"clouds": {"mine": {"auth": {"password": "override"}}}},
                          directory=tmp_path / "s", name="s.yaml")
    monkeypatch.setenv("OS_CLIENT_SECURE_FILE", str(secure))
    assert config.load_cloud("mine")["auth"]["password"] == "override"


def test_environment_cloud(config_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(OstackError, match="Cloud envvars was not found"):
        config.load_cloud("envvars")
    monkeypatch.setenv("OS_AUTH_URL", "http://127.0.0.1:5000/v3")
    assert config.load_cloud("envvars") == {}
    monkeypatch.setenv("OS_CLOUD_NAME", "fromenv")
    assert config.load_cloud("fromenv") == {}


def test_unparseable_file_is_skipped_with_a_warning(
    config_home: Path, write_clouds: WriteClouds, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(config.LOG, "warning", lambda fmt, *a: warnings.append(fmt % a))
    write_clouds({"clouds": {"home": password_cloud()}})
    (Path.cwd() / "clouds.yaml").write_text("clouds: [unclosed\n")
    assert config.load_cloud("home")["auth"]["username"] == "admin"
    assert len(warnings) == 1
    assert warnings[0].startswith(f"Skipping config file {Path.cwd() / 'clouds.yaml'}: ")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_warning_for_a_readable_file_holding_a_secret(
    config_home: Path, write_clouds: WriteClouds, mode: int
) -> None:
    path = write_clouds({"clouds": {"mine": password_cloud()}}, mode=mode)
    message = config.warn_if_exposed(path)
    assert message == (
        f"Warning: {path} holds secrets (password) and is readable by group or others "
        f"(mode {mode:04o}); restrict it with: chmod 600 {path}"
    )


def test_no_warning_for_private_or_secretless_files(
    config_home: Path, write_clouds: WriteClouds
) -> None:
    private = write_clouds({"clouds": {"mine": password_cloud()}}, mode=0o600)
    assert config.warn_if_exposed(private) is None
    entry = password_cloud()
    del entry["auth"]["password"]
    public = write_clouds({"clouds": {"mine": entry}}, mode=0o644)
    assert config.warn_if_exposed(public) is None


@pytest.mark.parametrize(
    "auth",
    [{"token": "t"}, {"application_credential_secret": "s", "application_credential_id": "i"}],
)
def test_other_secrets_count(config_home: Path, write_clouds: WriteClouds,
                             auth: dict[str, str]) -> None:
    path = write_clouds({"clouds": {"mine": {"auth": auth}}}, mode=0o644)
    message = config.warn_if_exposed(path)
    assert message is not None
    assert next(k for k in auth if k in config.SECRET_KEYS) in message


def test_warning_reaches_stderr_once_per_file(
    config_home: Path, write_clouds: WriteClouds, cli: Runner
) -> None:
    path = write_clouds({"clouds": {"here": {"ostack_backend": "local",
                                             "auth": {"password": "x"}}}}, mode=0o644)
    result = cli("--os-cloud", "here", "flavor", "show", "m1.tiny", "-f", "value", "-c", "id")
    assert (result.rc, result.out) == (0, "1\n")
    assert result.err.count(f"Warning: {path} holds secrets (password)") == 1
    assert "s3cret" not in result.err and "'x'" not in result.err


def test_local_run_never_imports_openstacksdk(config_home: Path) -> None:
    code = (
        "import sys\n"
        "from ostack_cli.main import main\n"
        "rc = main(['flavor', 'list', '-f', 'value'])\n"
        "heavy = sorted(m for m in sys.modules\n"
        "               if m.split('.')[0] in ('openstack', 'keystoneauth1', 'requests'))\n"
        "print(rc, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ), check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 []"


def test_local_entry_in_clouds_yaml_never_imports_openstacksdk(
    config_home: Path, write_clouds: WriteClouds
) -> None:
    write_clouds({"clouds": {"here": {"ostack_backend": "local"}}})
    code = (
        "import sys\n"
        "from ostack_cli.main import main\n"
        "rc = main(['--os-cloud', 'here', 'flavor', 'list', '-f', 'value'])\n"
        "print(rc, 'openstack' in sys.modules, 'keystoneauth1' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ), check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 False False"
