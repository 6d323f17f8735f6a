"""What a TAB at the end of each line must offer, against the store the ``world`` fixture makes.

``words`` are the candidates as the engine gives them (zsh and fish show these); ``bash`` is
COMPREPLY where it differs: quoted for the shell, and only the part after a word-break
character such as '=' (readline replaces only that part).
"""

from __future__ import annotations

import dataclasses

SERVERS_ADMIN = ["Hobbiton", "it's mine", "web-1", "web-2"]


@dataclasses.dataclass(frozen=True)
class Case:
    line: str
    words: list[str]
    bash: list[str] | None = None
    needs: str | None = None  # a command that may not be registered yet

    @property
    def id(self) -> str:
        return self.line.replace(" ", "_") or "empty"


FLAVORS = ["m1.large", "m1.medium", "m1.small", "m1.tiny", "m1.xlarge"]
SHOW_FORMATS = ["json", "shell", "table", "value", "yaml"]

CASES = [
    # command words at every level
    Case("ostack ser", ["server"]),
    Case("ostack server a", ["add"]),
    Case("ostack fl", ["flavor", "floating"]),
    Case("ostack floating ip c", ["create"]),
    Case("ostack security group rule l", ["list"]),
    Case("ostack help ser", ["server"]),
    Case("ostack nosuch ", []),
    # option names, option values with fixed choices
    Case("ostack server show --d", ["--diagnostics"]),
    Case("ostack flavor list -f ", ["csv", "json", "table", "value", "yaml"]),
    Case("ostack flavor show --format ", SHOW_FORMATS),
    Case("ostack flavor list --format=j", ["--format=json"], bash=["json"]),
    Case("ostack security group rule create --protocol ic", ["icmp", "icmpv6"]),
    Case("ostack security group rule create --ethertype ", ["IPv4", "IPv6"]),
    Case("ostack image create --disk-format q", ["qcow2"]),
    Case("ostack --os-interface ", ["admin", "internal", "public"]),
    # resources by name
    Case("ostack server show ", SERVERS_ADMIN,
         bash=["Hobbiton", "it\\'s\\ mine", "web-1", "web-2"]),
    Case("ostack server show Ho", ["Hobbiton"]),
    Case("ostack server delete web-1 w", ["web-1", "web-2"]),
    Case("ostack server stop H", ["Hobbiton"]),
    Case("ostack server reboot w", ["web-1", "web-2"]),
    Case("ostack --os-project-name demo server show ", ["demo-only"]),
    Case("ostack flavor show m1.", FLAVORS),
    Case("ostack flavor show m1.tiny ", []),
    Case("ostack server create --flavor m1.t", ["m1.tiny"]),
    Case("ostack server create --image ", ["cirros"]),
    Case("ostack server create --network pr", ["private"]),
    Case("ostack server create --security-group w", ["web $x"], bash=["web\\ \\$x"]),
    Case("ostack server create --key-name ", ["deploy key", "k1"], bash=["deploy\\ key", "k1"]),
    Case("ostack server create --nic ",
         ["auto", "net-id=", "none", "port-id=", "tag=", "v4-fixed-ip=", "v6-fixed-ip="]),
    Case("ostack server create --nic net-id=",
         ["net-id=my net", "net-id=private", "net-id=pub"],
         bash=["my\\ net", "private", "pub"]),
    Case("ostack server create --nic net-id=pr", ["net-id=private"], bash=["private"]),
    Case("ostack network show my", ["my net"], bash=["my\\ net"]),
    Case("ostack network show 'my", ["my net"], bash=["my net"]),
    Case('ostack network show "my', ["my net"], bash=["my net"]),
    Case("ostack subnet show ", ["priv-sub", "pub-sub"]),
    Case("ostack port show m", ["my port"], bash=["my\\ port"]),
    Case("ostack router show ", ["r1"]),
    Case("ostack router set --external-gateway ", ["pub"]),
    Case("ostack floating ip create ", ["pub"]),
    Case("ostack security group show ", ["default", "web $x"], bash=["default", "web\\ \\$x"]),
    Case("ostack security group rule create ", ["default", "web $x"],
         bash=["default", "web\\ \\$x"]),
    Case("ostack keypair show d", ["deploy key"], bash=["deploy\\ key"]),
    Case("ostack project show ", ["admin", "demo", "proj-a"]),
    Case("ostack image show c", ["cirros"]),
    Case("ostack server add floating ip Hobbiton ", ["{fip:free}"],
         needs="server add floating ip"),
    Case("ostack server remove floating ip Hobbiton ", ["{fip:used}"],
         needs="server remove floating ip"),
]


def resolve(case: Case, ids: dict[str, str]) -> Case:
    """The case with ``{kind:name}`` placeholders replaced by the world's IDs/addresses."""

    def fill(items: list[str] | None) -> list[str] | None:
        if items is None:
            return None
        return [ids[item[1:-1]] if item.startswith("{") else item for item in items]

    return dataclasses.replace(case, words=fill(case.words) or [], bash=fill(case.bash))
