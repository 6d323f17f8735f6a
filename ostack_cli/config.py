"""Which backend an invocation talks to, from --os-cloud/OS_CLOUD/OS_AUTH_URL and clouds.yaml."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from ostack_cli.errors import OstackError

LOCAL = "local"
CLOUD = "cloud"


@dataclasses.dataclass(frozen=True)
class Selection:
    backend: str
    cloud_name: str | None = None
    cloud_config: dict[str, Any] = dataclasses.field(default_factory=dict)
    project_name: str | None = None


def clouds_yaml_paths() -> list[Path]:
    """openstacksdk's search order for clouds.yaml."""
    explicit = os.environ.get("OS_CLIENT_CONFIG_FILE")
    candidates = [Path(explicit)] if explicit else []
    candidates += [
        Path.cwd() / "clouds.yaml",
        Path.home() / ".config" / "openstack" / "clouds.yaml",
        Path("/etc/openstack/clouds.yaml"),
    ]
    return candidates


def load_cloud(name: str) -> dict[str, Any]:
    """The ``clouds: NAME`` entry of the first clouds.yaml that has one."""
    import yaml  # only when a cloud is named

    for path in clouds_yaml_paths():
        try:
            text = path.read_text()
        except OSError:
            continue
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise OstackError(f"Cannot parse {path}: {exc}") from None
        clouds = data.get("clouds") if isinstance(data, dict) else None
        if isinstance(clouds, dict) and isinstance(clouds.get(name), dict):
            return dict(clouds[name])
    raise OstackError(f"Cloud {name} was not found.")


def select_backend(options: Any) -> Selection:
    """Local unless a cloud is named; a clouds.yaml entry may ask for local itself."""
    project_name = getattr(options, "os_project_name", None)
    cloud_name = getattr(options, "os_cloud", None)
    if cloud_name:
        entry = load_cloud(cloud_name)
        if entry.get("ostack_backend") == LOCAL:
            auth = entry.get("auth") or {}
            return Selection(
                LOCAL,
                cloud_name=cloud_name,
                cloud_config=entry,
                project_name=project_name or auth.get("project_name"),
            )
        return Selection(CLOUD, cloud_name=cloud_name, cloud_config=entry)
    if getattr(options, "os_auth_url", None):
        return Selection(CLOUD)
    return Selection(LOCAL, project_name=project_name)
