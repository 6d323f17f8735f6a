"""A store holding known resources (made through the CLI), and shells that complete against it."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostack_cli.completion import tree
from tests.completion.shells import REPO, BashSession, FishSession, ZshSession

VENV_BIN = REPO / ".venv" / "bin"
OSTACK = VENV_BIN / "ostack"

SERVERS = ("Hobbiton", "web-1", "web-2", "it's mine")
DEMO_SERVER = "demo-only"


@dataclasses.dataclass
class World:
    home: Path
    env: dict[str, str]
    cwd: Path  # holds known files, for path completion
    ids: dict[str, str]

    def run(self, *args: str) -> str:
        done = subprocess.run([str(OSTACK), *args], env=self.env, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise AssertionError(f"ostack {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()


def base_env(home: Path, scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(
        OSTACK_HOME=str(home),
        HOME=str(scratch / "home"),
        XDG_CACHE_HOME=str(scratch / "cache"),
        XDG_CONFIG_HOME=str(scratch / "config"),
        PATH=f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
        TERM="xterm",
        LC_ALL="C.UTF-8",
        OSTACK_COMPLETION_TIMEOUT="10",  # a loaded test host must not lose answers
        # libvirt's test driver: the records only, no bridges, DHCP or namespaces on the host.
        OSTACK_LIBVIRT_URI="test:///default",
    )
    (scratch / "home").mkdir(parents=True, exist_ok=True)
    return env


def has_command(name: str) -> bool:
    return name in tree.COMMANDS


def insert_servers(home: Path) -> dict[str, str]:
    """Server records straight into the store: booting guests is not what this tests."""
    from ostack_cli.backend.local import LocalBackend
    from ostack_cli.backend.models import new_id, utcnow
    from ostack_cli.backend.models.server import Server

    ids: dict[str, str] = {}
    for project, names in (("admin", SERVERS), ("demo", (DEMO_SERVER,))):
        backend = LocalBackend.open(state_dir=home, project_name=project)
        try:
            flavor = backend.find_flavor("m1.tiny")
            with backend.store.transaction():
                for name in names:
                    server = Server(id=new_id(), name=name, project_id=backend.project_id,
                                    user_id=backend.user_id, flavor_id=flavor.id,
                                    created_at=utcnow())
                    backend.store.insert(server)
                    ids[f"server:{name}"] = server.id
        finally:
            backend.close()
    return ids


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    scratch = tmp_path_factory.mktemp("completion")
    home = scratch / "ostack-home"
    cwd = scratch / "cwd"
    (cwd / "keys").mkdir(parents=True)
    (cwd / "cirros.qcow2").write_text("")
    (cwd / "keys" / "id.pub").write_text("")
    w = World(home, base_env(home, scratch), cwd, {})
    ids = w.ids
    ids["network:private"] = w.run("network", "create", "private", "-f", "value", "-c", "id")
    ids["network:my net"] = w.run("network", "create", "my net", "-f", "value", "-c", "id")
    ids["network:pub"] = w.run("network", "create", "pub", "--external", "-f", "value", "-c", "id")
    w.run("subnet", "create", "--network", "private", "--subnet-range", "10.0.0.0/24", "priv-sub")
    w.run("subnet", "create", "--network", "pub", "--subnet-range", "172.24.4.0/24", "pub-sub")
    ids["port:my port"] = w.run("port", "create", "--network", "private", "my port",
                                "-f", "value", "-c", "id")
    w.run("router", "create", "r1")
    w.run("router", "set", "r1", "--external-gateway", "pub")
    w.run("router", "add", "subnet", "r1", "priv-sub")
    free = w.run("floating", "ip", "create", "pub", "-f", "value", "-c", "floating_ip_address")
    used = w.run("floating", "ip", "create", "pub", "-f", "value", "-c", "floating_ip_address")
    w.run("floating", "ip", "set", "--port", "my port", used)
    ids["fip:free"], ids["fip:used"] = free, used
    w.run("security", "group", "create", "web $x")
    key = scratch / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    w.run("keypair", "create", "--public-key", f"{key}.pub", "deploy key")
    w.run("keypair", "create", "--public-key", f"{key}.pub", "k1")
    image_file = scratch / "x.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(image_file), "1M"], check=True)
    ids["image:cirros"] = w.run("image", "create", "--file", str(image_file), "--disk-format",
                                "qcow2", "--public", "cirros", "-f", "value", "-c", "id")
    w.run("project", "create", "proj-a")
    ids.update(insert_servers(home))
    return w


def _session(cls: type, world: World) -> Iterator[object]:
    if shutil.which(cls.PROGRAM) is None:
        pytest.skip(f"{cls.PROGRAM} is not installed (make setup installs it)")
    session = cls(world.env, world.cwd)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def bash(world: World) -> Iterator[BashSession]:
    yield from _session(BashSession, world)  # type: ignore[misc]


@pytest.fixture(scope="session")
def zsh(world: World) -> Iterator[ZshSession]:
    yield from _session(ZshSession, world)  # type: ignore[misc]


@pytest.fixture(scope="session")
def fish(world: World) -> Iterator[FishSession]:
    yield from _session(FishSession, world)  # type: ignore[misc]
