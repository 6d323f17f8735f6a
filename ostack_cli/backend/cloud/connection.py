"""The openstacksdk Connection for a cloud selection, configured as python-openstackclient does.

The real client hands its parsed global options to openstacksdk's config loader
(``OpenStackConfig.get_one(cloud=..., argparse=options)``) with a few rules of its own (osc-lib's
``OSC_Config``): the default auth plugin, the default domain, missing-option messages and the
password prompt. Those rules are re-stated here so that ostack reads the same clouds.yaml,
secure.yaml, ``OS_*`` variables and ``--os-*`` options to the same effect.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import warnings
from typing import Any

from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import loading as ksa_loading
from openstack import connection as sdk_connection
from openstack import exceptions as sdk_exceptions
from openstack.config import cloud_region, loader

from ostack_cli import __version__
from ostack_cli.backend.cloud import auth_cache
from ostack_cli.backend.cloud.cached_region import CachedAuthRegion
from ostack_cli.config import Selection, search_files
from ostack_cli.errors import CommandError, OstackError

# Every keystoneauth plugin option is a global option of the real client
# (``--os-<opt>``, env ``OS_<OPT>``); ostack's parser has the common ones, the rest come from
# the environment here so that e.g. OS_TOKEN or OS_APPLICATION_CREDENTIAL_SECRET work too.
AUTH_OPTIONS = (
    "access_token", "access_token_endpoint", "access_token_type",
    "application_credential_id", "application_credential_name",
    "application_credential_secret", "auth_methods", "auth_url", "client_id",
    "client_secret", "code", "code_challenge_method", "default_domain_id",
    "default_domain_name", "device_authorization_endpoint", "discovery_endpoint",
    "domain_id", "domain_name", "endpoint", "identity_provider", "idp_otp_key",
    "login_timeout", "oauth2_client_id", "oauth2_client_secret", "oauth2_endpoint",
    "passcode", "password", "project_domain_id", "project_domain_name", "project_id",
    "project_name", "protocol", "redirect_host", "redirect_port", "redirect_uri", "scope",
    "system_scope", "token", "trust_id", "user_domain_id", "user_domain_name", "user_id",
    "username",
)
# Other global options of the real client that ostack's parser lacks.
OTHER_OPTIONS = ("cert", "key", "volume_api_version", "placement_api_version")
DEFAULT_DOMAIN = "default"
DEFAULT_INTERFACE = "public"
PASSWORD_TYPES = ("password", "v3password", "v3totp")

# With --debug, also whether the auth cache served the token (openstacksdk logs its own
# keyring cache the same way); never the token itself.
HTTP_LOGGERS = ("keystoneauth", "openstack", auth_cache.LOG.name)


def prompt_for_password(prompt: str | None = None) -> str:
    """osc-lib's prompt: only on a terminal, otherwise its error."""
    password = None
    if hasattr(sys.stdin, "isatty") and sys.stdin.isatty():
        try:
            password = getpass.getpass(prompt or "Password: ")
        except EOFError:
            password = None
    if not password:
        raise CommandError("No password entered, or found via --os-password or OS_PASSWORD")
    return password


class OstackConfig(loader.OpenStackConfig):
    """openstacksdk's loader with the real client's auth rules (osc-lib ``OSC_Config``)."""

    # Regions that can reuse an earlier command's token (ostack's auth cache).
    _cloud_region_class = CachedAuthRegion

    def auth_config_hook(self, config: dict[str, Any]) -> dict[str, Any]:
        identity_version = str(config.get("identity_api_version", ""))
        if not config.get("auth_type"):
            if config.get("username"):
                config["auth_type"] = _versioned("password", identity_version)
            elif config.get("token"):
                config["auth_type"] = _versioned("token", identity_version)
            else:
                config["auth_type"] = "password"
        auth = config.setdefault("auth", {})
        if str(config["auth_type"]).startswith("v2"):
            for v3, v2 in (("project_id", "tenant_id"), ("project_name", "tenant_name")):
                if v3 in auth:
                    auth[v2] = auth[v3]
        if identity_version.startswith("2") and str(config["auth_type"]).endswith("password"):
            for key in ("project_domain_id", "project_domain_name", "user_domain_id",
                        "user_domain_name"):
                auth.pop(key, None)
        default_domain = config.get("default_domain")
        if identity_version == "3" and default_domain and config["auth_type"] in PASSWORD_TYPES:
            # The real client scopes to the default domain when no domain is given at all.
            if not auth.get("project_domain_id") and not auth.get("project_domain_name"):
                auth["project_domain_id"] = default_domain
            if not auth.get("user_domain_id") and not auth.get("user_domain_name"):
                auth["user_domain_id"] = default_domain
        return config

    def _validate_auth(
        self, config: dict[str, Any], loader: ksa_loading.BaseLoader[Any]
    ) -> dict[str, Any]:
        missing = []
        to_prompt = []
        for opt in loader.get_options():
            # A value given as an option (top level) beats the one under auth:.
            value = self._find_winning_auth_value(opt, config)
            if not value:
                value = self._find_winning_auth_value(opt, config["auth"])
            if not value and opt.required:
                missing.append(
                    f"Missing value {opt.name} required for auth plugin {config.get('auth_type')}"
                )
            for name in [opt.name] + [o.name for o in opt.deprecated]:
                config.pop(name.replace("-", "_"), None)
                config["auth"].pop(name.replace("-", "_"), None)
            dest = opt.dest or opt.name.replace("-", "_")
            if value:
                config["auth"][dest] = value
            elif getattr(opt, "prompt", None) is not None and self._pw_callback is not None:
                to_prompt.append(opt)
        if missing:
            raise sdk_exceptions.ConfigException("\n".join(missing))
        for opt in to_prompt:
            config["auth"][opt.dest] = self._pw_callback(opt.prompt)  # type: ignore[misc]
        return config


def _versioned(kind: str, identity_version: str) -> str:
    if identity_version == "3":
        return f"v3{kind}"
    if identity_version.startswith("2"):
        return f"v2{kind}"
    return kind


def cli_arguments(options: Any) -> dict[str, Any]:
    """The global options as the real client's parser would have them (``os_`` names)."""
    args: dict[str, Any] = {}
    for name in AUTH_OPTIONS + OTHER_OPTIONS:
        value = os.environ.get(f"OS_{name.upper()}")
        if value:
            args[f"os_{name}"] = value
    for legacy, name in (("OS_TENANT_NAME", "os_project_name"), ("OS_TENANT_ID", "os_project_id")):
        if legacy in os.environ and name not in args:
            args[name] = os.environ[legacy]
    args["os_default_domain"] = os.environ.get("OS_DEFAULT_DOMAIN") or DEFAULT_DOMAIN
    for name, value in vars(options).items():
        if name.startswith("os_") and value not in (None, ""):
            args[name] = value
    # ostack's --insecure defaults to False, the real client's to None: only an explicit
    # "yes" may override a clouds.yaml setting.
    if getattr(options, "insecure", False):
        args["insecure"] = True
    return args


def _check_auth_options(region: cloud_region.CloudRegion) -> None:
    """osc-lib's ``check_valid_authentication_options``: one message per missing value."""
    auth_type = str(region.config.get("auth_type"))
    auth = region.auth or {}
    plugin_opts = {opt.dest for opt in ksa_loading.get_plugin_options(auth_type)}
    messages = []
    if not auth and auth_type != "none":
        messages.append("Set a cloud-name with --os-cloud or OS_CLOUD")
    else:
        if "password" in plugin_opts and not (auth.get("username") or auth.get("user_id")):
            messages.append(
                "Set a username with --os-username, OS_USERNAME, or auth.username or set a "
                "user-id with --os-user-id, OS_USER_ID, or auth.user_id"
            )
        if "auth_url" in plugin_opts and not auth.get("auth_url"):
            messages.append(
                "Set an authentication URL, with --os-auth-url, OS_AUTH_URL or auth.auth_url"
            )
        if "url" in plugin_opts and not auth.get("url"):
            messages.append("Set a service URL, with --os-url, OS_URL or auth.url")
        if "token" in plugin_opts and not auth.get("token"):
            messages.append("Set a token with --os-token, OS_TOKEN or auth.token")
    if messages:
        raise CommandError("Missing parameter(s): \n" + "\n".join(messages))


def load_region(selection: Selection, options: Any) -> cloud_region.CloudRegion:
    """The CloudRegion the real client would build for these options."""
    # openstacksdk's deprecation warnings are not the user's to act on (the real client
    # silences them too).
    warnings.filterwarnings("ignore", module="openstack")
    warnings.filterwarnings("ignore", module="keystoneauth1")
    args = cli_arguments(options)
    endpoint_and_token = bool(args.get("os_endpoint") and args.get("os_token"))
    # openstacksdk's own file lists are fixed when it is imported; these follow the current
    # directory and HOME, and are the lists ostack's selection used.
    config = OstackConfig(
        config_files=[str(p) for p in search_files("clouds")],
        secure_files=[str(p) for p in search_files("secure")],
        vendor_files=[str(p) for p in search_files("clouds-public")],
        pw_func=prompt_for_password,
        override_defaults={
            "interface": DEFAULT_INTERFACE,
            "auth_type": "admin_token" if endpoint_and_token else "password",
        },
        app_name="ostack",
        app_version=__version__,
    )
    # Never in openstacksdk's keyring: ostack's own auth cache (CachedAuthRegion) keeps
    # tokens, in private files, when use_auth_cache() asks for it.
    config._cache_auth = False
    region = config.get_one(
        cloud=selection.cloud_name, argparse=argparse.Namespace(**args), validate=True
    )
    _check_auth_options(region)
    region.config["api_timeout"] = None
    return region


def auth_cache_enabled(options: Any, region: cloud_region.CloudRegion) -> bool:
    """``--os-auth-cache``, else ``$OSTACK_AUTH_CACHE``, else clouds.yaml's
    ``ostack_auth_cache``, else on."""
    return auth_cache.enabled(getattr(options, "os_auth_cache", None), os.environ,
                              region.config)


def connect(selection: Selection, options: Any) -> sdk_connection.Connection:
    try:
        region = load_region(selection, options)
    except OstackError:
        raise
    except (sdk_exceptions.SDKException, ksa_exceptions.ClientException) as exc:
        raise OstackError(str(exc)) from exc
    if isinstance(region, CachedAuthRegion) and auth_cache_enabled(options, region):
        region.use_auth_cache()
    return sdk_connection.Connection(config=region)


def forget_cached_auth(conn: sdk_connection.Connection) -> None:
    """Drop the connection's cloud and user's cached auth, in memory and on disk (e.g. once
    its token is revoked); the next request authenticates anew."""
    conn.config.clear_auth_cache()


class LibraryLogging:
    """keystoneauth's and openstacksdk's logs on the console, as the real client shows them.

    With ``--debug`` everything, including each HTTP request as a curl command line and each
    response, with tokens replaced by their SHA-256 and authentication requests not logged at
    all (keystoneauth's own redaction). Otherwise warnings and errors only: the real client's
    console level, below which ostack's own console (INFO) would otherwise show them.
    """

    def __init__(self, debug: bool) -> None:
        self.debug = debug
        self.handler = logging.StreamHandler(_console_stream())
        self.handler.setLevel(logging.DEBUG)
        self.handler.setFormatter(logging.Formatter("%(message)s"))
        self.saved: dict[str, tuple[int, bool]] = {}

    def start(self) -> None:
        for name in HTTP_LOGGERS:
            logger = logging.getLogger(name)
            self.saved[name] = (logger.level, logger.propagate)
            if self.debug:
                logger.setLevel(logging.DEBUG)
                logger.propagate = False
                logger.addHandler(self.handler)
            else:
                logger.setLevel(logging.WARNING)

    def stop(self) -> None:
        for name, (level, propagate) in self.saved.items():
            logger = logging.getLogger(name)
            logger.removeHandler(self.handler)
            logger.setLevel(level)
            logger.propagate = propagate
        self.saved.clear()


def _console_stream() -> Any:
    # cliff's console handler writes to the app's stderr; use the same stream.
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler:
            return handler.stream
    return sys.stderr
