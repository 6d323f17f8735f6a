"""What a command loads: its family's models and services, nothing of the others (issue 13).

Each frozen dataclass costs ~0.5-0.75 ms to define; the commands scripts run most often must
not pay for models they never show.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from ostack_cli.backend.local.server_listing import VOLUME_ATTACHMENT_KIND
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.volume import VolumeAttachment
from tests.unit.cloud import fake_cloud

KEYSTONE_EXTRAS = [
    "ostack_cli.backend.models.application_credential", "ostack_cli.backend.models.domain",
    "ostack_cli.backend.models.group", "ostack_cli.backend.models.role_assignment",
    "ostack_cli.backend.models.token", "ostack_cli.backend.models.user_spec",
]
# Drawn without prettytable's per-cell measuring (ostack_cli/table_format.py).
WIDTH_MEASURING = ["wcwidth"]


def _loaded(argv: list[str], modules: list[str]) -> list[str]:
    """Which of ``modules`` running ostack with ``argv`` on a made store imported (it must
    exit 0); the store's first command makes and seeds it, which loads more."""
    subprocess.run([sys.executable, "-m", "ostack_cli.main", "flavor", "list"], check=True,
                   capture_output=True)
    return _imported(argv, modules)


def _imported(argv: list[str], modules: list[str]) -> list[str]:
    """Which of ``modules`` running ostack with ``argv`` imported (it must exit 0)."""
    code = (
        "import sys\n"
        "from ostack_cli.main import main\n"
        "rc = main(sys.argv[1:])\n"
        f"print(rc, [name for name in {modules!r} if name in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          check=False)
    last = done.stdout.splitlines()[-1] if done.stdout else ""
    assert last.startswith("0 "), done.stderr
    loaded: list[str] = eval(last[2:])  # a list literal this test printed
    return loaded


def test_flavor_list_loads_no_other_familys_models_or_services(ostack_home: Path) -> None:
    others = [
        *KEYSTONE_EXTRAS, *WIDTH_MEASURING, "uuid",
        "ostack_cli.backend.models.network", "ostack_cli.backend.models.volume",
        "ostack_cli.backend.models.image", "ostack_cli.backend.models.server",
        "ostack_cli.backend.local.networks", "ostack_cli.backend.local.ports",
        "ostack_cli.backend.local.volumes", "ostack_cli.backend.local.images",
    ]
    assert _loaded(["flavor", "list"], others) == []


def test_server_list_loads_the_listing_not_the_servers_service(ostack_home: Path) -> None:
    others = [
        *KEYSTONE_EXTRAS, *WIDTH_MEASURING,
        "ostack_cli.backend.local.servers", "ostack_cli.backend.local.ports",
        "ostack_cli.backend.local.volumes", "ostack_cli.backend.local.guest_volumes",
        "ostack_cli.backend.models.volume",
    ]
    assert _loaded(["server", "list"], others) == []


# The cloud backend's parts (and their models) that a flavor or network listing never calls.
CLOUD_OTHERS = [
    "ostack_cli.backend.cloud.parts", "ostack_cli.backend.cloud.volumes",
    "ostack_cli.backend.cloud.server", "ostack_cli.backend.cloud.identity",
    "ostack_cli.backend.cloud.trusts", "ostack_cli.backend.cloud.usages",
    "ostack_cli.backend.models.volume", "ostack_cli.backend.models.server",
    "ostack_cli.backend.models.identity", "ostack_cli.backend.models.trust",
]


def test_cloud_flavor_list_loads_only_the_flavor_part(
    ostack_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fake_cloud.running() as cloud:
        clouds = tmp_path / "os-clouds.yaml"
        clouds.write_text(yaml.safe_dump({"clouds": {"fake": cloud.cloud_entry()}}))
        clouds.chmod(0o600)
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
        loaded = _imported(["--os-cloud", "fake", "flavor", "list"],
                           ["ostack_cli.backend.cloud.compute", *CLOUD_OTHERS,
                            "ostack_cli.backend.cloud.network",
                            "ostack_cli.backend.models.network"])
    assert loaded == ["ostack_cli.backend.cloud.compute"]


def test_the_cloud_backend_loads_the_network_part_alone_for_its_networks() -> None:
    modules = ["ostack_cli.backend.cloud.network", *CLOUD_OTHERS]
    code = (
        "import sys\n"
        "from ostack_cli.backend.cloud import CloudBackend\n"
        "backend = CloudBackend(conn=None)\n"
        "assert callable(backend.networks) and hasattr(backend, 'find_network')\n"
        f"print([name for name in {modules!r} if name in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "['ostack_cli.backend.cloud.network']"


def test_show_commands_draw_their_table_without_measuring_widths(ostack_home: Path) -> None:
    assert _loaded(["flavor", "show", "m1.tiny"], WIDTH_MEASURING) == []


def test_the_listing_asks_for_attachments_by_their_kind() -> None:
    assert VOLUME_ATTACHMENT_KIND == VolumeAttachment.KIND


def test_new_ids_are_random_uuids_as_uuid4_writes_them() -> None:
    ids = {new_id() for _ in range(200)}
    assert len(ids) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)


def test_the_reconciler_loads_no_domain_renderer() -> None:
    """Every networking write converges the host; only guests need libvirt's XML."""
    code = (
        "import sys\n"
        "import ostack_cli.backend.local.host_sync, ostack_cli.backend.local.reconcile\n"
        "print([m for m in ('ostack_cli.backend.local.domain_xml', 'xml.etree.ElementTree')"
        " if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
