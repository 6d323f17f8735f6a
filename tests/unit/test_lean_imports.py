"""What a command loads: its family's models and services, nothing of the others (issue 13).

Each frozen dataclass costs ~0.5-0.75 ms to define; the commands scripts run most often must
not pay for models they never show.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from ostack_cli.backend.local.server_listing import VOLUME_ATTACHMENT_KIND
from ostack_cli.backend.models import new_id
from ostack_cli.backend.models.volume import VolumeAttachment

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
