"""connect(client, server) (components/security_groups.py): one call opens both halves of a security-group pair on
the server's port, each half worded and owned by its own component (docs/requirements.md §5.2)."""

from __future__ import annotations

from functools import cache

import pulumi
import pulumi_aws as aws

from components.security_groups import (
    Client,
    GroupRule,
    Server,
    closed_security_group,
    connect,
    egress_to_group,
    ingress_from_group,
)
from offline.harness import Plan
from tests.support import group_id, inputs, run_component

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
GROUP = "aws:ec2/securityGroup:SecurityGroup"


class Api(pulumi.ComponentResource):
    """A client, worded like the backend: `<name>-out-<server>`, `<port> to <server>`."""

    peer_title = "the api"

    def __init__(self, name: str) -> None:
        super().__init__("test:net:Api", name)
        self._name = self.peer_name = name
        self.security_group_id = closed_security_group(f"{name}-sg", "vpc-1", "api", self).id

    def egress_rule(self, server: Server) -> aws.vpc.SecurityGroupEgressRule:
        port = server.listen_port
        rule = GroupRule(f"{self._name}-out-{server.peer_name}", port, f"{port} to {server.peer_name}")
        return egress_to_group(rule, self.security_group_id, server.security_group_id, self)


class Store(pulumi.ComponentResource):
    """A server on 5432, worded like the database: `<name>-from-<client>`, `PostgreSQL from <client>`."""

    peer_name = "database"
    listen_port = 5432

    def __init__(self, name: str) -> None:
        super().__init__("test:net:Store", name)
        self._name = name
        self.security_group_id = closed_security_group(f"{name}-sg", "vpc-1", "store", self).id

    def ingress_rule(self, client: Client) -> aws.vpc.SecurityGroupIngressRule:
        rule = GroupRule(f"{self._name}-from-{client.peer_name}", 5432, f"PostgreSQL from {client.peer_title}")
        return ingress_from_group(rule, self.security_group_id, client.security_group_id, self)


@cache
def plan() -> Plan:
    def build() -> None:
        connect(Api("api"), Store("db"))
        Store("idle")

    return run_component(build)


def test_one_call_opens_the_clients_egress_and_the_servers_ingress_on_the_servers_port() -> None:
    p = plan()
    api, db = group_id(p, "api-sg"), group_id(p, "db-sg")
    (egress,) = p.of_type(EGRESS)
    (ingress,) = p.of_type(INGRESS)
    assert egress.name == "api-out-database"
    assert {k: inputs(egress)[k] for k in ("securityGroupId", "referencedSecurityGroupId", "ipProtocol")} == {
        "securityGroupId": api,
        "referencedSecurityGroupId": db,
        "ipProtocol": "tcp",
    }
    assert (inputs(egress)["fromPort"], inputs(egress)["toPort"]) == (5432, 5432)
    assert inputs(egress)["description"] == "5432 to database"
    assert ingress.name == "db-from-api"
    assert {k: inputs(ingress)[k] for k in ("securityGroupId", "referencedSecurityGroupId", "ipProtocol")} == {
        "securityGroupId": db,
        "referencedSecurityGroupId": api,
        "ipProtocol": "tcp",
    }
    assert (inputs(ingress)["fromPort"], inputs(ingress)["toPort"]) == (5432, 5432)
    assert inputs(ingress)["description"] == "PostgreSQL from the api"
    assert all("cidrIpv4" not in inputs(r) and "cidrIpv6" not in inputs(r) for r in (egress, ingress))


def test_each_half_is_a_child_of_the_component_whose_group_it_opens() -> None:
    p = plan()
    (egress,) = p.of_type(EGRESS)
    (ingress,) = p.of_type(INGRESS)
    assert egress.parent == p.one("test:net:Api").urn
    assert ingress.parent == p.one("test:net:Store", "db").urn


def test_groups_start_closed_and_an_unconnected_server_stays_closed() -> None:
    p = plan()
    idle = group_id(p, "idle-sg")
    rules = [*p.of_type(INGRESS), *p.of_type(EGRESS)]
    assert all(inputs(r)["securityGroupId"] != idle for r in rules)
    for group in p.of_type(GROUP):
        assert "ingress" not in inputs(group) or inputs(group)["ingress"] == []
        assert "egress" not in inputs(group) or inputs(group)["egress"] == []
