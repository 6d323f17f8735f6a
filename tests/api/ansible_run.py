"""Running tests/api/ansible/site.yml with ansible-playbook from the project's venv, against
an ``ostack api serve``: shared by the api tier (no server) and the vm tier (a real guest)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

PLAYBOOK = Path(__file__).parent / "ansible" / "site.yml"
PLAYBOOK_BIN = Path(sys.executable).with_name("ansible-playbook")
SHIM = Path(__file__).parent / "ansible" / "sitecustomize"
RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                   r"failed=(\d+)\s+skipped=(\d+)", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Recap:
    ok: int
    changed: int
    unreachable: int
    failed: int
    skipped: int
    output: str


def public_key() -> str:
    """A fresh OpenSSH public key (kept the same across the runs of one test)."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode()


def run_playbook(clouds_yaml: Path, home: Path, extra_vars: dict[str, object],
                 timeout: float = 600) -> Recap:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ANSIBLE_"))}
    env.update({
        "OS_CLIENT_CONFIG_FILE": str(clouds_yaml),
        # Ansible's own state (temp files, collections cache) stays in the test's directory.
        "ANSIBLE_HOME": str(home / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(home / "ansible-tmp"),
        "ANSIBLE_REMOTE_TEMP": str(home / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SHIM), env.get("PYTHONPATH")])),
    })
    done = subprocess.run(
        [str(PLAYBOOK_BIN), "-i", "localhost,", str(PLAYBOOK),
         "--extra-vars", json.dumps(extra_vars)],
        capture_output=True, text=True, env=env, timeout=timeout, check=False)
    output = done.stdout + done.stderr
    found = RECAP.search(done.stdout)
    assert found is not None, output
    ok, changed, unreachable, failed, skipped = (int(n) for n in found.groups())
    assert (done.returncode, failed, unreachable) == (0, 0, 0), output
    return Recap(ok, changed, unreachable, failed, skipped, output)
