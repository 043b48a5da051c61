"""security-group-world-ingress on the production plan: the internet reaches the load balancer's group only on the
ports its listeners serve (80 and 443), and no other group at all, whatever spelling opens it (a rule resource of
either kind, an inline rule, IPv6, a prefix list, a port range, all protocols)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.conftest import Analyze, Introduced, Planned
from tests.policy.planned_stack import Change, PlannedStack, Ref

RULE = "security-group-world-ingress"
GROUP = "ec2/securityGroup"


def _rule(group: str, source: str, low: int, high: int, protocol: str = "tcp") -> Change:
    """A vpc.SecurityGroupIngressRule from `source` (a CIDR) on `group`."""

    def change(b: PlannedStack) -> None:
        field = "cidrIpv6" if ":" in source else "cidrIpv4"
        inputs = {"securityGroupId": Ref(b.get(GROUP, group)), field: source, "ipProtocol": protocol}
        ports = {} if protocol == "-1" else {"fromPort": low, "toPort": high}
        b.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            f"{group}-world-{low}",
            {**inputs, **ports},
        )

    return change


def _ec2_rule(group: str, low: int, high: int) -> Change:
    """An ec2.SecurityGroupRule of type ingress from 0.0.0.0/0 on `group`."""

    def change(b: PlannedStack) -> None:
        inputs: dict[str, Any] = {"securityGroupId": Ref(b.get(GROUP, group)), "type": "ingress", "protocol": "tcp"}
        b.add(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            f"{group}-world-{low}",
            {**inputs, "fromPort": low, "toPort": high, "cidrBlocks": ["0.0.0.0/0"]},
        )

    return change


def _inline(group: str, low: int, high: int) -> Change:
    rule = {"protocol": "tcp", "fromPort": low, "toPort": high, "cidrBlocks": ["0.0.0.0/0"]}
    return lambda b: b.set(GROUP, group, "ingress", [rule])


def _prefix_list(group: str, port: int) -> Change:
    """A managed prefix list holding the whole internet (two halves), used by a rule on `group`."""

    def change(b: PlannedStack) -> None:
        halves = [{"cidr": "0.0.0.0/1"}, {"cidr": "128.0.0.0/1"}]
        prefix_list = b.add(
            "aws:ec2/managedPrefixList:ManagedPrefixList",
            "partners",
            {"addressFamily": "IPv4", "maxEntries": 5, "entries": halves},
        )
        inputs = {"securityGroupId": Ref(b.get(GROUP, group)), "prefixListId": Ref(prefix_list), "ipProtocol": "tcp"}
        b.add(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            f"{group}-partners",
            {**inputs, "fromPort": port, "toPort": port},
        )

    return change


def _listener_port(name: str, port: int) -> Change:
    return lambda b: b.set("lb/listener", name, "port", port)


# name -> (change, the group the rule must report)
OPEN: dict[str, tuple[Change, str]] = {
    "the ALB's group, ssh from 0.0.0.0/0": (_rule("api-sg", "0.0.0.0/0", 22, 22), "api-sg"),
    "the ALB's group, ssh from ::/0": (_rule("api-sg", "::/0", 22, 22), "api-sg"),
    "the ALB's group, ssh inline": (_inline("api-sg", 22, 22), "api-sg"),
    "the ALB's group, ssh as an ec2 SecurityGroupRule": (_ec2_rule("api-sg", 22, 22), "api-sg"),
    "the ALB's group, ssh from a prefix list that is the internet": (_prefix_list("api-sg", 22), "api-sg"),
    "the ALB's group, ports 0-1024 (with 22)": (_rule("api-sg", "0.0.0.0/0", 0, 1024), "api-sg"),
    "the ALB's group, 80-443 as one range (its listeners serve only the ends)": (
        _rule("api-sg", "0.0.0.0/0", 80, 443),
        "api-sg",
    ),
    "the ALB's group, 20-25 from ::/0": (_rule("api-sg", "::/0", 20, 25), "api-sg"),
    "the ALB's group, RDP 3389": (_ec2_rule("api-sg", 3389, 3389), "api-sg"),
    "the ALB's group, 5432 and 6379 in one range": (_rule("api-sg", "0.0.0.0/0", 5000, 7000), "api-sg"),
    "the ALB's group, all traffic": (_rule("api-sg", "0.0.0.0/0", 0, 0, protocol="-1"), "api-sg"),
    "the ALB's group, udp 443": (_rule("api-sg", "0.0.0.0/0", 443, 443, protocol="udp"), "api-sg"),
    # The listeners decide, not a fixed list: 80 and 443 are open to the world, but nothing listens there.
    "the ALB's group, 80 open while the HTTP listener is on 8080": (_listener_port("api-http", 8080), "api-sg"),
    "the ALB's group, 443 open while the HTTPS listener is on 8443": (_listener_port("api-https", 8443), "api-sg"),
    "the ALB made internal, its group still open on 80 and 443": (
        lambda b: b.set("lb/loadBalancer", "api-alb", "internal", True),
        "api-sg",
    ),
    "the ALB's group, 443 open while that listener takes UDP": (
        lambda b: b.set("lb/listener", "api-https", "protocol", "UDP"),
        "api-sg",
    ),
    "the database's group, a range with 5432": (_ec2_rule("db-sg", 5000, 6000), "db-sg"),
    "the database's group, ssh inline": (_inline("db-sg", 22, 22), "db-sg"),
    "the cache's group, 6379 from ::/0": (_rule("cache-sg", "::/0", 6379, 6379), "cache-sg"),
    "the cache's group, through a prefix list": (_prefix_list("cache-sg", 6379), "cache-sg"),
    "the backend's group, RDP 3389": (_rule("backend-sg", "0.0.0.0/0", 3389, 3389), "backend-sg"),
    "the backend's group, its own port 3001": (_rule("backend-sg", "0.0.0.0/0", 3001, 3001), "backend-sg"),
}


@pytest.mark.parametrize("case", sorted(OPEN))
def test_a_world_open_port_no_listener_serves_is_reported(introduced: Introduced, planned: Planned, case: str) -> None:
    change, group = OPEN[case]
    b = planned("production")
    change(b)
    assert introduced(b) == {(RULE, "mandatory", group)}


# What the load balancer's group may open: the ports its listeners serve, to IPv4 and IPv6 alike.
SERVED: dict[str, Change] = {
    "the ALB's group, 443 from ::/0 too": _rule("api-sg", "::/0", 443, 443),
    "the ALB's group, 80 as an ec2 SecurityGroupRule too": _ec2_rule("api-sg", 80, 80),
}


@pytest.mark.parametrize("case", sorted(SERVED))
def test_a_port_a_listener_serves_may_be_open(introduced: Introduced, planned: Planned, case: str) -> None:
    b = planned("production")
    SERVED[case](b)
    assert introduced(b) == set()


def test_the_finding_names_the_port_and_why(analyze: Analyze, planned: Planned) -> None:
    b = planned("production")
    _listener_port("api-http", 8080)(b)
    _rule("api-sg", "0.0.0.0/0", 22, 22)(b)
    (violation,) = analyze(b).of_policy(RULE)
    assert "tcp 22-22 open to the internet; allowed: [80, 443]." in violation.message
    assert "tcp 80-80 open to the internet, but no listener of the group's load balancers serves port 80." in (
        violation.message
    )
