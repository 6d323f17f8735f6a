"""Configuration of the cloud backend, as the real client configures itself (no network)."""

from __future__ import annotations

import argparse
import io
import logging
import socket
from pathlib import Path

import pytest

from ostack_cli.backend.cloud import connection
from ostack_cli.config import select_backend
from ostack_cli.errors import CommandError, OstackError
from ostack_cli.main import OstackApp
from tests.conftest import Runner
from tests.unit.cloud.conftest import WriteClouds, password_cloud


def global_options(*argv: str) -> argparse.Namespace:
    """The global options as ostack's own parser reads them (with its OS_* defaults)."""
    parser = OstackApp().build_option_parser("ostack", "0")
    options, _ = parser.parse_known_args(list(argv))
    return options


def region_for(*argv: str) -> connection.cloud_region.CloudRegion:
    options = global_options(*argv)
    return connection.load_region(select_backend(options), options)


def test_named_cloud(config_home: Path, write_clouds: WriteClouds) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    region = region_for("--os-cloud", "mine")
    assert region.name == "mine"
    assert region.region_name == "RegionOne"
    assert region.config["auth_type"] == "password"
    assert region.config["interface"] == "public"
    assert region.auth["auth_url"] == "http://127.0.0.1:5000/v3"
    assert region.auth["username"] == "admin"
    assert region.auth["password"] == "s3cret"
    assert region.auth["project_name"] == "admin"
    assert region.get_requests_verify_args() == (True, None)


def test_options_beat_clouds_yaml(config_home: Path, write_clouds: WriteClouds) -> None:
    write_clouds({"clouds": {"mine": password_cloud(regions=["RegionOne", "RegionTwo"])}})
    region = region_for("--os-cloud", "mine", "--os-password", "other", "--os-project-name",
                        "demo", "--os-region-name", "RegionTwo", "--os-interface", "internal",
                        "--os-username", "demo")
    assert (region.auth["password"], region.auth["project_name"]) == ("other", "demo")
    assert region.auth["username"] == "demo"
    assert (region.region_name, region.config["interface"]) == ("RegionTwo", "internal")


def test_environment_beats_clouds_yaml(config_home: Path, write_clouds: WriteClouds,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    monkeypatch.setenv("OS_PASSWORD", "from-env")
    monkeypatch.setenv("OS_CLOUD", "mine")
    region = region_for()
    assert region.auth["password"] == "from-env"


def test_unknown_region(config_home: Path, write_clouds: WriteClouds) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    options = global_options("--os-cloud", "mine", "--os-region-name", "Nowhere")
    with pytest.raises(OstackError) as caught:
        connection.connect(select_backend(options), options)
    assert str(caught.value) == (
        "Region Nowhere is not a valid region name for cloud mine. Valid choices are "
        "RegionOne. Please note that region names are case sensitive."
    )


def test_tls_options(config_home: Path, write_clouds: WriteClouds, tmp_path: Path) -> None:
    write_clouds({"clouds": {"mine": password_cloud(), "lax": password_cloud(verify=False)}})
    assert region_for("--os-cloud", "mine", "--insecure").get_requests_verify_args() == (
        False, None)
    bundle = tmp_path / "ca.pem"
    assert region_for("--os-cloud", "mine", "--os-cacert", str(bundle)) \
        .get_requests_verify_args() == (str(bundle), None)
    # Not giving --insecure leaves the cloud's own setting alone.
    assert region_for("--os-cloud", "lax").get_requests_verify_args() == (False, None)


def test_client_certificate_from_environment(config_home: Path, write_clouds: WriteClouds,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    monkeypatch.setenv("OS_CERT", "/c.pem")
    monkeypatch.setenv("OS_KEY", "/k.pem")
    assert region_for("--os-cloud", "mine").get_requests_verify_args() == (
        True, ("/c.pem", "/k.pem"))


def test_api_versions(config_home: Path, write_clouds: WriteClouds) -> None:
    write_clouds({"clouds": {"mine": password_cloud()}})
    region = region_for("--os-cloud", "mine", "--os-compute-api-version", "2.79",
                        "--os-image-api-version", "2")
    assert region.get_api_version("compute") == "2.79"
    assert region.get_api_version("image") == "2"
    # openstacksdk turns a compute "api version" with a dot into the microversion it sends.
    version_request = region._get_version_request("compute", None)
    assert version_request.default_microversion == "2.79"
    assert region_for("--os-cloud", "mine").get_api_version("compute") is None


def test_environment_only_cloud_gets_the_default_domain(
    config_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("OS_AUTH_URL", "http://127.0.0.1:5000/v3"), ("OS_USERNAME", "u"),
                        ("OS_PASSWORD", "p"), ("OS_PROJECT_NAME", "demo")):
        monkeypatch.setenv(name, value)
    region = region_for()
    assert region.name == "envvars"
    # As the real client: without an identity API version nothing is defaulted (Keystone
    # then answers "Expecting to find domain in project").
    assert "user_domain_id" not in region.auth
    monkeypatch.setenv("OS_IDENTITY_API_VERSION", "3")
    region = region_for()
    assert region.auth["user_domain_id"] == "default"
    assert region.auth["project_domain_id"] == "default"
    monkeypatch.setenv("OS_DEFAULT_DOMAIN", "d1")
    assert region_for().auth["user_domain_id"] == "d1"
    monkeypatch.setenv("OS_USER_DOMAIN_NAME", "Named")
    auth = region_for().auth
    assert auth["user_domain_name"] == "Named"
    assert "user_domain_id" not in auth


def test_token_auth(config_home: Path, write_clouds: WriteClouds,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    entry = {"auth_type": "v3token",
             "auth": {"auth_url": "http://127.0.0.1:5000/v3", "project_name": "admin",
                      "project_domain_name": "Default"}}
    write_clouds({"clouds": {"tok": entry}})
    monkeypatch.setenv("OS_TOKEN", "gAAAAtoken")
    region = region_for("--os-cloud", "tok")
    assert region.config["auth_type"] == "v3token"
    assert region.auth["token"] == "gAAAAtoken"


def test_application_credential_auth(config_home: Path, write_clouds: WriteClouds) -> None:
    entry = {"auth_type": "v3applicationcredential",
             "auth": {"auth_url": "http://127.0.0.1:5000/v3",
                      "application_credential_id": "acid",
                      "application_credential_secret": "acsecret"}}
    write_clouds({"clouds": {"appcred": entry}})
    region = region_for("--os-cloud", "appcred")
    assert region.config["auth_type"] == "v3applicationcredential"
    assert region.auth["application_credential_secret"] == "acsecret"
    assert type(region.get_auth()).__name__ == "ApplicationCredential"


def test_missing_auth_url(config_home: Path, write_clouds: WriteClouds) -> None:
    entry = password_cloud()
    del entry["auth"]["auth_url"]
    write_clouds({"clouds": {"mine": entry}})
    options = global_options("--os-cloud", "mine")
    with pytest.raises(OstackError) as caught:
        connection.connect(select_backend(options), options)
    assert str(caught.value) == "Missing value auth-url required for auth plugin password"


def test_missing_username(config_home: Path, write_clouds: WriteClouds) -> None:
    entry = password_cloud()
    del entry["auth"]["username"]
    write_clouds({"clouds": {"mine": entry}})
    with pytest.raises(CommandError) as caught:
        region_for("--os-cloud", "mine")
    assert str(caught.value) == (
        "Missing parameter(s): \nSet a username with --os-username, OS_USERNAME, or "
        "auth.username or set a user-id with --os-user-id, OS_USER_ID, or auth.user_id"
    )


def test_missing_password_without_a_terminal(config_home: Path, write_clouds: WriteClouds,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    entry = password_cloud()
    del entry["auth"]["password"]
    write_clouds({"clouds": {"mine": entry}})
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError) as caught:
        region_for("--os-cloud", "mine")
    assert str(caught.value) == "No password entered, or found via --os-password or OS_PASSWORD"


def test_missing_password_is_prompted_on_a_terminal(
    config_home: Path, write_clouds: WriteClouds, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = password_cloud()
    del entry["auth"]["password"]
    write_clouds({"clouds": {"mine": entry}})

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []
    monkeypatch.setattr("sys.stdin", Tty(""))
    monkeypatch.setattr(connection.getpass, "getpass",
                        lambda prompt: prompts.append(prompt) or "typed")
    assert region_for("--os-cloud", "mine").auth["password"] == "typed"
    assert prompts == ["Password: "]


def test_credentials_are_never_cached(config_home: Path, write_clouds: WriteClouds) -> None:
    write_clouds({"cache": {"auth": True}, "clouds": {"mine": password_cloud()}})
    region = region_for("--os-cloud", "mine")
    assert region.skip_auth_cache()


def test_debug_logs_http_to_the_console_and_stops(config_home: Path) -> None:
    stream = io.StringIO()
    console = logging.StreamHandler(stream)
    console.setLevel(logging.INFO)  # cliff's console level without -v
    root = logging.getLogger()
    root.addHandler(console)
    try:
        debug = connection.LibraryLogging(debug=True)
        debug.start()
        logging.getLogger("keystoneauth.session").debug("REQ: curl -g -i -X GET http://x")
        debug.stop()
        logging.getLogger("keystoneauth.session").debug("after stop")
    finally:
        root.removeHandler(console)
    assert stream.getvalue() == "REQ: curl -g -i -X GET http://x\n"
    assert logging.getLogger("keystoneauth").handlers == []


def test_library_info_logs_stay_off_the_console_without_debug(config_home: Path) -> None:
    quiet = connection.LibraryLogging(debug=False)
    quiet.start()
    try:
        assert not logging.getLogger("openstack.config").isEnabledFor(logging.INFO)
        assert logging.getLogger("keystoneauth.session").isEnabledFor(logging.WARNING)
    finally:
        quiet.stop()
    assert logging.getLogger("openstack").level == logging.NOTSET


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_endpoint_is_one_line_exit_1(
    config_home: Path, write_clouds: WriteClouds, cli: Runner
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v3"
    write_clouds({"clouds": {"down": password_cloud(auth={"auth_url": url, "username": "u",
                                                          "password": "p",
                                                          "project_name": "p"})}})
    result = cli("--os-cloud", "down", "flavor", "list")
    assert result.rc == 1
    assert result.out == ""
    last = result.err.strip().splitlines()[-1]
    assert last.startswith(f"Unable to establish connection to {url}/auth/tokens: ")
    assert "'p'" not in result.err


def test_unknown_cloud_through_the_cli(config_home: Path, cli: Runner) -> None:
    result = cli("--os-cloud", "nosuch", "flavor", "list")
    assert (result.rc, result.out, result.err) == (1, "", "Cloud nosuch was not found.\n")
