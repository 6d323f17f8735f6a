"""Which backend an invocation talks to, from --os-cloud/OS_CLOUD/OS_AUTH_URL and clouds.yaml.

The files are found exactly as openstacksdk finds them (the real client's loader), but without
importing openstacksdk: a local invocation must stay fast. The cloud backend then hands the
same files to openstacksdk's own loader.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ostack_cli.errors import OstackError

LOCAL = "local"
CLOUD = "cloud"

LOG = logging.getLogger("ostack.config")

SUFFIXES = (".yaml", ".yml", ".json")
# openstacksdk's environment cloud: OS_* variables form a cloud called "envvars" (or
# $OS_CLOUD_NAME); these variables alone only select, they do not make one.
ENV_SELECTORS = frozenset(
    {"OS_CLOUD", "OS_REGION_NAME", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE",
     "OS_CLOUD_NAME"}
)
# Keys whose values authenticate on their own: a file holding one must be private.
SECRET_KEYS = frozenset(
    {"password", "token", "application_credential_secret", "client_secret",
     "oauth2_client_secret", "passcode", "access_token"}
)


@dataclasses.dataclass(frozen=True)
class Selection:
    backend: str
    cloud_name: str | None = None
    cloud_config: dict[str, Any] = dataclasses.field(default_factory=dict)
    project_name: str | None = None
    # The local backend's acting user (--os-username/--os-password, OS_USERNAME/OS_PASSWORD,
    # or the entry's auth): None lets the local admin act.
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True)
class CloudsFiles:
    """The clouds.yaml and secure.yaml openstacksdk would read, merged as it merges them."""

    config_path: Path | None
    secure_path: Path | None
    clouds: dict[str, Any]


def config_search_path() -> list[Path]:
    """openstacksdk's directories, in its order (``openstack.config.loader``)."""
    import platformdirs  # small; only when a cloud is named

    dirs = platformdirs.PlatformDirs("openstack", "OpenStack", multipath=True)
    real_home = os.environ.get("SNAP_REAL_HOME")
    unix_home = (
        Path(real_home) / ".config" / "openstack"
        if real_home
        else Path("~/.config/openstack").expanduser()
    )
    return [
        Path.cwd(),
        Path(dirs.user_config_dir),
        unix_home,
        Path(dirs.site_config_dir),
        Path("/etc/openstack"),
    ]


def search_files(stem: str) -> list[Path]:
    """``<dir>/<stem>.{yaml,yml,json}`` over the search path, without the env override."""
    return [directory / f"{stem}{suffix}" for directory in config_search_path()
            for suffix in SUFFIXES]


def _candidates(stem: str, override_env: str) -> list[Path]:
    found = search_files(stem)
    override = os.environ.get(override_env)
    return [Path(override), *found] if override else found


def clouds_yaml_paths() -> list[Path]:
    """Where clouds.yaml is looked for, first match wins (``OS_CLIENT_CONFIG_FILE`` first)."""
    return _candidates("clouds", "OS_CLIENT_CONFIG_FILE")


def secure_yaml_paths() -> list[Path]:
    return _candidates("secure", "OS_CLIENT_SECURE_FILE")


def _load_first(paths: list[Path]) -> tuple[Path | None, dict[str, Any] | None]:
    """The first existing, readable, parseable file, as openstacksdk picks it."""
    import yaml  # only when a cloud is named

    for path in paths:
        if not path.exists():
            continue
        try:
            text = path.read_text()
        except OSError as exc:
            if exc.errno == errno.EACCES:
                continue
            # openstacksdk gives up on other read errors and reads no file at all.
            return None, None
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            LOG.warning("Skipping config file %s: %s", path, exc)
            continue
        if data is not None and not isinstance(data, dict):
            raise OstackError(f"Configuration file {path} is empty or not a valid mapping")
        return path, data
    return None, None


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        elif isinstance(value, dict):
            merged[key] = dict(value)
        else:
            merged[key] = value
    return merged


def load_clouds() -> CloudsFiles:
    config_path, config = _load_first(clouds_yaml_paths())
    secure_path, secure = _load_first(secure_yaml_paths())
    if secure:
        config = _merge(config or {}, secure)
    clouds = (config or {}).get("clouds")
    return CloudsFiles(config_path, secure_path, dict(clouds) if isinstance(clouds, dict) else {})


def _secrets(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in SECRET_KEYS and value:
                yield str(key)
            else:
                yield from _secrets(value)
    elif isinstance(data, list):
        for item in data:
            yield from _secrets(item)


def warn_if_exposed(path: Path | None) -> str | None:
    """Warn (stderr) when a file holding a secret is readable by group or others.

    openstacksdk itself never checks; a world-readable password file is a common leak.
    Returns the warning, for tests.
    """
    if path is None:
        return None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    import yaml

    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError):
        return None
    keys = sorted(set(_secrets(data)))
    if not keys:
        return None
    message = (
        f"Warning: {path} holds secrets ({', '.join(keys)}) and is readable by group or "
        f"others (mode {mode:04o}); restrict it with: chmod 600 {path}"
    )
    LOG.warning(message)
    return message


def _env_cloud_name() -> str:
    return os.environ.get("OS_CLOUD_NAME", "envvars")


def _env_defines_cloud() -> bool:
    names = {k for k in os.environ if k.startswith("OS_")
             and not k.startswith(("OS_TEST", "OS_STD", "OS_LOG"))}
    return bool(names - ENV_SELECTORS)


def load_cloud(name: str, files: CloudsFiles | None = None) -> dict[str, Any]:
    """The ``clouds: NAME`` entry, or the real client's error when there is none."""
    files = files or load_clouds()
    entry = files.clouds.get(name)
    if isinstance(entry, dict):
        return dict(entry)
    if name == _env_cloud_name() and _env_defines_cloud():
        return {}
    raise OstackError(f"Cloud {name} was not found.")


def select_backend(options: Any) -> Selection:
    """Local unless a cloud is named; a clouds.yaml entry may ask for local itself."""
    project_name = getattr(options, "os_project_name", None)
    cloud_name = getattr(options, "os_cloud", None)
    if cloud_name:
        files = load_clouds()
        entry = load_cloud(cloud_name, files)
        for path in (files.config_path, files.secure_path):
            warn_if_exposed(path)
        if entry.get("ostack_backend") == LOCAL:
            auth = entry.get("auth") or {}
            return Selection(
                LOCAL,
                cloud_name=cloud_name,
                cloud_config=entry,
                project_name=project_name or auth.get("project_name"),
                username=getattr(options, "os_username", None) or auth.get("username"),
                password=getattr(options, "os_password", None) or auth.get("password"),
            )
        return Selection(CLOUD, cloud_name=cloud_name, cloud_config=entry)
    if getattr(options, "os_auth_url", None):
        return Selection(CLOUD)
    return Selection(
        LOCAL,
        project_name=project_name,
        username=getattr(options, "os_username", None),
        password=getattr(options, "os_password", None),
    )
