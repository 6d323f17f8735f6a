"""The benchmark suite's pure parts, a tiny end-to-end run, and the lean start-up it measures."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import cliff.command
import pytest
import stevedore
from cliff.commandmanager import CommandManager

from benchmarks import cloud_scale, host, realclient, run, startup
from benchmarks.common import (
    TAG_REGISTRY,
    AreaResult,
    CommandFailed,
    Measurement,
    Row,
    Settings,
    Target,
    check,
    child_env,
    format_rss,
    measure,
    median,
    purge_store,
    ratio,
    store_tag,
    table,
)
from ostack_cli.commands.base import Lister
from ostack_cli.commands.flavor import ListFlavor
from ostack_cli.main import LazyCommandManager, OstackApp
from tests.conftest import Runner

REPO = Path(__file__).resolve().parents[2]
OSTACK = str(Path(sys.executable).with_name("ostack"))


def measurement(wall_ms: list[float], rss_kb: int = 20480) -> Measurement:
    return Measurement(argv=("x",), wall_ms=tuple(wall_ms), cpu_ms=tuple(wall_ms),
                       max_rss_kb=(rss_kb,) * len(wall_ms))


def settings(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {"runs": 1, "warmups": 1, "quick": True, "real_client": False,
                              "work_dir": tmp_path, "ostack": Path(OSTACK)}
    values.update(changes)
    return Settings(**values)


# --- the numbers and the table ---------------------------------------------------------

def test_median() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        median([])


def test_ratio_is_how_many_times_faster() -> None:
    assert ratio(measurement([500.0, 600.0, 700.0]), measurement([60.0])) == 10.0
    assert ratio("n/a (needs a cloud)", measurement([60.0])) is None
    assert ratio(measurement([60.0]), "failed: x") is None


def test_measurement_peak_rss_is_the_largest_run_in_megabytes() -> None:
    m = Measurement(argv=("x",), wall_ms=(1.0, 2.0), cpu_ms=(1.0, 1.0), max_rss_kb=(1024, 3072))
    assert m.peak_rss_mb == 3.0
    data = m.to_json()
    assert (data["runs"], data["median_ms"], data["max_rss_kb"]) == (2, 1.5, [1024, 3072])


def test_table() -> None:
    result = AreaResult(rows=[
        Row("--version", measurement([60.0, 50.0, 70.0]), measurement([600.0, 500.0], 71680)),
        Row("flavor list", measurement([80.0]), "n/a (needs a cloud)"),
    ])
    assert table({"startup": result}).splitlines() == [
        "| area    | benchmark   |   ostack median (ms) |   real client median (ms) |"
        "   ratio (real / ostack) |   ostack peak RSS (MB) |   real client peak RSS (MB) |",
        "|---------|-------------|----------------------|---------------------------|"
        "-------------------------|------------------------|-----------------------------|",
        "| startup | --version   |                 60.0 |                     550.0 |"
        "                    9.2x |                   20.0 |                        70.0 |",
        "| startup | flavor list |                 80.0 |       n/a (needs a cloud) |"
        "                     n/a |                   20.0 |                         n/a |",
    ]


def test_flavor_list_target() -> None:
    passed = startup.flavor_list_target(measurement([50.0]), measurement([600.0]))
    assert passed.line() == (
        "target: `ostack flavor list` at least 10x faster than `openstack --version`: "
        "600 ms / 50.0 ms = 12.0x: PASS"
    )
    failed = startup.flavor_list_target(measurement([100.0]), measurement([600.0]))
    assert failed.passed is False
    assert failed.line().endswith("600 ms / 100.0 ms = 6.0x: FAIL")
    missing = startup.flavor_list_target(measurement([50.0]), "n/a (skipped)")
    assert missing == Target(passed.description, None, "no measurement: n/a (skipped)")
    assert missing.line().endswith(": NOT EVALUATED")


# --- running programs ------------------------------------------------------------------

def test_measure_times_each_run(tmp_path: Path) -> None:
    env = child_env(tmp_path / "home", settings(tmp_path))
    result = measure({"py": ([sys.executable, "-c", "pass"], env)}, runs=2, warmups=1)["py"]
    assert isinstance(result, Measurement)
    assert len(result.wall_ms) == len(result.cpu_ms) == len(result.max_rss_kb) == 2
    assert min(result.max_rss_kb) > 1000
    assert result.median_ms > 0


def test_programs_are_measured_in_turns(tmp_path: Path) -> None:
    env = child_env(tmp_path / "home", settings(tmp_path))
    log = tmp_path / "order"

    def program(name: str) -> tuple[list[str], dict[str, str]]:
        code = f"open({str(log)!r}, 'a').write({name!r})"
        return [sys.executable, "-c", code], env

    cells = measure({"a": program("a"), "b": program("b")}, runs=2, warmups=2)
    assert list(cells) == ["a", "b"]
    # Warm-ups first, one program after the other; then the timed runs in turns.
    assert log.read_text() == "aabbabab"


def test_a_failing_program_is_reported_not_timed(tmp_path: Path) -> None:
    env = child_env(tmp_path / "home", settings(tmp_path))
    failing = [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"]
    cells = measure({"bad": (failing, env), "good": ([sys.executable, "-c", "pass"], env)},
                    runs=1, warmups=1)
    assert cells["bad"] == f"failed: {' '.join(failing)} exited 3: boom"
    assert isinstance(cells["good"], Measurement)
    with pytest.raises(CommandFailed) as caught:
        check(failing, env)
    assert caught.value.returncode == 3


def test_child_env_holds_no_caller_configuration(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in [("OS_CLOUD", "mine"), ("PYTHONPATH", "/x"), ("OSTACK_HOME", "/y"),
                        ("XDG_CONFIG_HOME", "/z"), ("PATH", "/usr/bin")]:
        monkeypatch.setenv(name, value)
    env = child_env(tmp_path / "home", settings(tmp_path), OSTACK_HOME=str(tmp_path / "o"))
    assert env == {
        "PATH": "/usr/bin",
        "HOME": str(tmp_path / "home"),
        "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"),
        "OSTACK_HOME": str(tmp_path / "o"),
        **{k: v for k, v in env.items() if k in ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
                                                  "TERM")},
    }
    assert (tmp_path / "home").is_dir()


def test_first_row_is_timed_before_the_program_ends() -> None:
    # A program that prints one row at once and the next after a pause: a streaming client.
    program = [sys.executable, "-c",
               "import sys, time; print('row', flush=True); time.sleep(1); print('last')"]
    times = cloud_scale._first_rows({"streaming": program},
                                    {"streaming": {"PATH": "/usr/bin:/bin"}}, 2)
    assert len(times["streaming"].wall_ms) == 2
    assert max(times["streaming"].wall_ms) < 900
    assert format_rss(times["streaming"]) == "n/a"


def test_has_command(tmp_path: Path) -> None:
    env = child_env(tmp_path / "home", settings(tmp_path), OSTACK_HOME=str(tmp_path / "o"))
    assert startup.has_command(OSTACK, env, "flavor", "list")
    assert not startup.has_command(OSTACK, env, "nosuch", "thing")
    # `help flavor nosuch` lists the flavor commands and exits 0: still not a command.
    assert not startup.has_command(OSTACK, env, "flavor", "nosuch")


def test_real_client_install_is_pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / "osc"
    assert realclient.install_command(venv, Path("/c.txt")) == [
        str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
        "-c", "/c.txt", "python-openstackclient==10.5.0",
    ]
    assert realclient.install_command(venv, None)[-2:] == [
        "--disable-pip-version-check", "python-openstackclient==10.5.0"]
    constraints = REPO.parent / "shared" / "realstack" / "constraints-osc.txt"
    assert constraints == realclient.CONSTRAINTS
    monkeypatch.delenv("OSTACK_BENCH_OSC_VENV", raising=False)
    assert realclient.venv_path() == Path("/var/cache/ostack/bench/osc-venv")
    monkeypatch.setenv("OSTACK_BENCH_OSC_VENV", str(venv))
    assert realclient.venv_path() == venv
    assert realclient.installed_version(venv) is None


# --- the runner ------------------------------------------------------------------------

def test_areas_registry_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert next(iter(run.AREAS.items())) == ("startup", "benchmarks.startup")
    assert run.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"startup: {startup.DESCRIPTION}"
    assert [line.split(":")[0] for line in lines] == list(run.AREAS)


def test_host_area_is_registered_after_network() -> None:
    areas = list(run.AREAS)
    assert run.AREAS["host"] == "benchmarks.host"
    assert areas.index("host") == areas.index("network") + 1


# --- areas on the real host: the store's tag, its purge, the host area's store ----------

def test_store_tag_is_the_stores_host_tag_setting(tmp_path: Path) -> None:
    assert store_tag(tmp_path) is None  # no store at all
    with sqlite3.connect(tmp_path / "state.db") as conn:
        conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    assert store_tag(tmp_path) is None  # a store without a tag yet
    with sqlite3.connect(tmp_path / "state.db") as conn:
        conn.execute("INSERT INTO settings VALUES ('host_tag', '3fa')")
    assert store_tag(tmp_path) == "3fa"


def test_purge_without_a_store_has_nothing_to_do(tmp_path: Path) -> None:
    env = child_env(tmp_path / "user", settings(tmp_path), OSTACK_HOME=str(tmp_path / "home"))
    assert purge_store(env, tmp_path / "home") == []
    assert not (tmp_path / "home").exists()


def test_host_census() -> None:
    assert host._census(["device ost1b2x", "chain 4 filter ostack-1b2-INPUT",
                         "device ost1b2y"]) == "1 chain, 2 device"


def test_host_store_is_built_under_the_test_driver(tmp_path: Path) -> None:
    base = tmp_path / "b"
    env = child_env(base / "user", settings(tmp_path), OSTACK_HOME=str(base / "home"),
                    OSTACK_LIBVIRT_URI="test:///default")
    code = "import sys; from benchmarks.host import build_store; build_store(sys.argv[1])"
    check([sys.executable, "-c", code, "192.0.2.0/24"], env, cwd=REPO)

    def count(*argv: str) -> int:
        return len(check([OSTACK, *argv, "-f", "value", "-c", "ID"], env).stdout.split())

    assert count("server", "list") == host.SERVERS
    assert count("network", "list") == host.NETWORKS + 1  # and External
    assert count("router", "list") == 1
    group_rules = count("security", "group", "rule", "list", "bench")
    assert group_rules == host.RULES + 2  # and the new group's two egress rules
    # Not under a real host's driver: it would make host objects as it goes.
    done = subprocess.run([sys.executable, "-c", code, "192.0.2.0/24"], cwd=REPO,
                          env={**env, "OSTACK_LIBVIRT_URI": "qemu:///system"},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1 and "test driver only" in done.stderr


def test_unknown_area_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run.main(["--only", "nosuch"])
    assert caught.value.code == 2
    assert "invalid choice: 'nosuch'" in capsys.readouterr().err


def test_quick_startup_run_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    work = tmp_path / "tmp"  # the runner's work dir, and with it the stores it makes
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--only", "startup", "--runs", "1",
         "--warmups", "1", "--no-real-client", "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "TMPDIR": str(work)},
    )
    assert done.returncode == 0, done.stderr
    # Its stores were purged: no tag is left registered for a directory that is gone.
    registered = [p.read_text() for p in TAG_REGISTRY.glob("*")] if TAG_REGISTRY.is_dir() else []
    assert not [text for text in registered if str(work) in text]
    lines = done.stdout.splitlines()
    assert lines[0].endswith(": median wall time of 1 runs after 1 warm-up(s); "
                             "peak RSS is the largest of those runs")
    assert "real client: n/a (skipped with --no-real-client)" in lines
    assert any(line.startswith("| startup | flavor list ") for line in lines)
    assert lines[-1] == (
        "target: `ostack flavor list` at least 10x faster than `openstack --version`: "
        "no measurement: n/a (skipped with --no-real-client): NOT EVALUATED"
    )
    data = json.loads(out.read_text())
    rows = data["areas"]["startup"]["rows"]
    assert [r["benchmark"] for r in rows] == [
        "--version", "help (lists every command)", "flavor list",
        "floor: Python + cliff's imports, no ostack code", "server list (100 servers)"]
    flavor = rows[2]["ostack"]
    assert flavor["argv"][1:] == ["flavor", "list"]
    assert flavor["runs"] == 1 and flavor["peak_rss_mb"] > 1
    assert rows[2]["real_client"] == {"note": "n/a (needs a cloud)"}
    assert data["settings"]["runs"] == 1


# --- lean start-up ---------------------------------------------------------------------

def test_flavor_list_imports_only_what_it_needs(ostack_home: Path) -> None:
    code = (
        "import sys\n"
        "from ostack_cli.main import main\n"
        "rc = main(sys.argv[1:])\n"
        "heavy = ['libvirt', 'pyroute2', 'openstack', 'keystoneauth1', 'yaml',\n"
        "         'ostack_cli.commands.project', 'ostack_cli.commands.token']\n"
        "print(rc, [name for name in heavy if name in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code, "flavor", "list", "-f", "value"],
                          capture_output=True, text=True, check=False)
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr


def test_version_imports_no_command(ostack_home: Path) -> None:
    code = (
        "import sys\n"
        "sys.argv[0] = 'ostack'\n"
        "from ostack_cli.main import main\n"
        "try:\n    main(['--version'])\n"
        "except SystemExit:\n    pass\n"
        "print([m for m in sys.modules if m.startswith('ostack_cli.commands.')])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.stdout.splitlines() == ["ostack 0.1.0", "[]"], done.stderr


def test_lazy_manager_sees_the_commands_cliffs_manager_sees() -> None:
    lazy = sorted(name for name, _ in LazyCommandManager("ostack.cli"))
    assert lazy == sorted(name for name, _ in CommandManager("ostack.cli"))
    assert "flavor list" in lazy
    # ostack's `complete` replaces cliff's, still imported only when it runs.
    factory, _, _ = OstackApp().command_manager.find_command(["complete"])
    assert factory.__module__ == "ostack_cli.commands.complete"


def test_lazy_manager_drops_commands_that_fail_to_load(monkeypatch: pytest.MonkeyPatch) -> None:
    namespace = "ostack.test_lazy_manager"
    monkeypatch.setitem(stevedore.ExtensionManager.ENTRY_POINT_CACHE, namespace, [
        EntryPoint("flavor_list", "ostack_cli.commands.flavor:ListFlavor", namespace),
        EntryPoint("flavor_lost", "ostack_cli.commands.no_such_module:Lost", namespace),
        EntryPoint("flavor_gone", "ostack_cli.commands.flavor:NoSuchClass", namespace),
    ])
    # "flavor l" would be ambiguous if the broken "flavor lost" counted, as it did not before.
    assert LazyCommandManager(namespace).find_command(["flavor", "l", "-f", "json"]) == (
        ListFlavor, "flavor l", ["-f", "json"])
    manager = LazyCommandManager(namespace)
    assert sorted(manager.commands) == ["flavor gone", "flavor list", "flavor lost"]
    assert manager.find_command(["flavor", "list"]) == (ListFlavor, "flavor list", [])
    for broken in (["flavor", "lost"], ["flavor", "gone"]):
        with pytest.raises(ValueError):
            manager.find_command(broken)
    assert [name for name, _ in manager] == ["flavor list"]
    assert sorted(CommandManager(namespace).commands) == ["flavor list"]


def test_own_commands_skip_the_distribution_lookup(cli: Runner,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []

    def distribution_of(module: Any) -> str:
        looked_up.append(module.__name__)
        return "ostack" if module.__name__.startswith("ostack_cli") else "other-plugin"

    monkeypatch.setattr(cliff.command, "_get_distribution_for_module", distribution_of)
    app = OstackApp()
    for name, entry_point in app.command_manager:
        factory = entry_point.load()
        if factory.__module__.startswith("ostack_cli."):
            command = factory(app, None, cmd_name=name)
            assert command.get_epilog() == cliff.command.Command.get_epilog(command), name
    looked_up.clear()
    assert cli("flavor", "list").rc == 0
    assert looked_up == []

    class PluginList(Lister):
        """A third-party command built on ostack's base class keeps cliff's epilog."""

        def take_action(self, parsed_args: Any) -> Any:
            return (), ()

    assert PluginList(app, None, cmd_name="plugin list").get_epilog() == (
        "\n\nThis command is provided by the other-plugin plugin.")
