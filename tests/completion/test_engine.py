"""The engine on its own: how it reads a command line, with a made-up tree and lister."""

from __future__ import annotations

from typing import Any

import pytest

from ostack_cli.completion.engine import FILES, NONE, WORDS, Engine, Reply

TREE: dict[str, Any] = {
    "global": {"--os-cloud": "cloud", "--os-project-name": "project", "--debug": 0, "-h": 0},
    "key_values": {"nic": ({"net-id": "network", "tag": None}, ("auto",))},
    "commands": {
        "server show": {"options": {"-f": ("json", "value"), "--format": ("json", "value"),
                                    "--diagnostics": 0, "--secret": 1},
                        "hidden": ["--secret"], "positionals": [(None, "server")]},
        "server delete": {"options": {"--wait": 0}, "hidden": [],
                          "positionals": [("+", "server")]},
        "server create": {"options": {"--nic": "kv:nic", "--user-data": "file",
                                      "--name": 1},
                          "hidden": [], "positionals": [(None, 1)]},
        "quota show": {"options": {}, "hidden": [], "positionals": [("?", "project")]},
        "router add subnet": {"options": {}, "hidden": [],
                              "positionals": [(None, "router"), (None, "subnet")]},
        "help": {"options": {}, "hidden": [], "positionals": [("*", "command")]},
    },
}


def lister(kind: str, prefix: str, seen: dict[str, str]) -> list[str]:
    project = seen.get("--os-project-name", "admin")
    names = {"server": [f"{project}-a", f"{project}-b"], "network": ["net1", "net2"],
             "router": ["r1"], "subnet": ["s1"], "project": ["admin", "demo"],
             "cloud": ["c1"]}
    return [n for n in names.get(kind, []) if n.startswith(prefix)]


def complete(line: str) -> Reply:
    words = line.split(" ")
    return Engine(TREE, lister).complete(words)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ostack ", Reply(WORDS, ("help", "quota", "router", "server"))),
        ("ostack s", Reply(WORDS, ("server",))),
        ("ostack server ", Reply(WORDS, ("create", "delete", "show"))),
        ("ostack router add ", Reply(WORDS, ("subnet",))),
        ("ostack -", Reply(WORDS, ("--debug", "--os-cloud", "--os-project-name", "-h"))),
        ("ostack --os-cloud ", Reply(WORDS, ("c1",))),
        ("ostack --os-project-name demo server show ", Reply(WORDS, ("demo-a", "demo-b"))),
        ("ostack --os-project-name=demo server show ", Reply(WORDS, ("demo-a", "demo-b"))),
        ("ostack server show --os-project-name demo ", Reply(WORDS, ("demo-a", "demo-b"))),
        ("ostack server show --d", Reply(WORDS, ("--diagnostics",))),
        ("ostack server show --", Reply(WORDS, ("--diagnostics", "--format"))),
        ("ostack server show -f ", Reply(WORDS, ("json", "value"))),
        ("ostack server show -fjson ", Reply(WORDS, ("admin-a", "admin-b"))),
        ("ostack server show --format=v", Reply(WORDS, ("--format=value",))),
        ("ostack server show --secret x ", Reply(WORDS, ("admin-a", "admin-b"))),
        ("ostack server show --diagnostics ", Reply(WORDS, ("admin-a", "admin-b"))),
        ("ostack server show admin-a ", Reply(NONE)),
        ("ostack server show -- -", Reply(WORDS, ())),
        ("ostack server delete admin-a --wait admin-", Reply(WORDS, ("admin-a", "admin-b"))),
        ("ostack router add subnet r1 ", Reply(WORDS, ("s1",))),
        ("ostack router add subnet ", Reply(WORDS, ("r1",))),
        ("ostack quota show ", Reply(WORDS, ("admin", "demo"))),
        ("ostack quota show demo ", Reply(NONE)),
        ("ostack server create --user-data ", Reply(FILES)),
        ("ostack server create --user-data=x", Reply(FILES)),
        ("ostack server create --name ", Reply(NONE)),
        ("ostack server create --nic ", Reply(WORDS, ("auto", "net-id=", "tag="))),
        ("ostack server create --nic net-id=n", Reply(WORDS, ("net-id=net1", "net-id=net2"))),
        ("ostack server create --nic tag=x,net-id=net2", Reply(WORDS, ("tag=x,net-id=net2",))),
        ("ostack server create --nic net-id=net1,", Reply(WORDS, ("net-id=net1,net-id=",
                                                                   "net-id=net1,tag="))),
        ("ostack server create --nic tag=", Reply(NONE)),
        ("ostack help ", Reply(WORDS, ("help", "quota", "router", "server"))),
        ("ostack help router ", Reply(WORDS, ("add",))),
        ("ostack help nosuch ", Reply(NONE)),
        ("ostack nosuch ", Reply(NONE)),
        ("ostack server nosuch ", Reply(NONE)),
        ("ostack server --debug show ", Reply(NONE)),
    ],
)
def test_engine(line: str, expected: Reply) -> None:
    assert complete(line) == expected


def test_reply_lines() -> None:
    assert Reply(WORDS, ("a b", "c")).lines() == ["words", "a b", "c"]
    assert Reply(FILES).lines() == ["files"]
