"""Security groups opened port by port to other groups (docs/requirements.md §5.2).

A pair of groups is always opened in both halves at once: `connect(client, server)` gives the client's group
egress to the server's port and the server's group ingress from the client's group, on the one port the server
listens on. Each component words and owns its own half (the rule is its child), so the plan shows every rule
under the component whose group it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_aws as aws


class Peer(Protocol):
    """A component at one end of a security-group pair."""

    @property
    def security_group_id(self) -> pulumi.Output[str]:
        """The component's own group."""
        ...

    @property
    def peer_name(self) -> str:
        """How the other end's rules name this component: a resource-name part (`database`, `alb`)."""
        ...


class Client(Peer, Protocol):
    """A component whose members open TCP connections to servers."""

    @property
    def peer_title(self) -> str:
        """How a server's rule descriptions call this component (`backend`, `the load balancer`)."""
        ...

    def egress_rule(self, server: Server) -> aws.vpc.SecurityGroupEgressRule:
        """This group's half of a pair: egress to `server`'s group on its port. Called by `connect` only."""
        ...


class Server(Peer, Protocol):
    """A component that listens on one TCP port behind its own group."""

    @property
    def listen_port(self) -> int:
        """The one TCP port clients reach it on (PostgreSQL 5432, Redis 6379, the API's container port)."""
        ...

    def ingress_rule(self, client: Client) -> aws.vpc.SecurityGroupIngressRule:
        """This group's half of a pair: ingress from `client`'s group on `listen_port`. Called by `connect` only."""
        ...


def connect(client: Client, server: Server) -> tuple[aws.vpc.SecurityGroupEgressRule, aws.vpc.SecurityGroupIngressRule]:
    """Let members of `client`'s group open TCP connections to `server.listen_port` on members of `server`'s
    group: the client's egress and the server's ingress, nothing else."""
    return client.egress_rule(server), server.ingress_rule(client)


def closed_security_group(
    name: str, vpc_id: pulumi.Input[str], description: str, parent: pulumi.Resource
) -> aws.ec2.SecurityGroup:
    """A group with no rules at all: no inbound until `connect` opens a port, and no outbound.

    Without inline rules the provider also deletes the allow-all egress rule AWS adds to every new group, so
    the group starts fully closed; rules are separate resources, one per port and peer, so each is reviewable.
    """
    return aws.ec2.SecurityGroup(
        name,
        vpc_id=vpc_id,
        description=description,
        tags={"Name": name},
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class GroupRule:
    """One TCP port between a component's group and one other group, as that component names and describes it."""

    name: str
    """The rule's resource name, e.g. `db-from-backend`."""
    port: int
    """The TCP port (from and to)."""
    description: str
    """The rule's description in AWS, e.g. `PostgreSQL from backend`."""


def ingress_from_group(
    rule: GroupRule, security_group_id: pulumi.Input[str], source_group_id: pulumi.Input[str], parent: pulumi.Resource
) -> aws.vpc.SecurityGroupIngressRule:
    """Open exactly one TCP port of `security_group_id` to members of exactly one other group (no CIDR): the
    body of a server's `ingress_rule`."""
    return aws.vpc.SecurityGroupIngressRule(
        rule.name,
        security_group_id=security_group_id,
        referenced_security_group_id=source_group_id,
        ip_protocol="tcp",
        from_port=rule.port,
        to_port=rule.port,
        description=rule.description,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def egress_to_group(
    rule: GroupRule,
    security_group_id: pulumi.Input[str],
    destination_group_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.vpc.SecurityGroupEgressRule:
    """Let members of `security_group_id` open exactly one TCP port on members of one other group (no CIDR): the
    body of a client's `egress_rule`."""
    return aws.vpc.SecurityGroupEgressRule(
        rule.name,
        security_group_id=security_group_id,
        referenced_security_group_id=destination_group_id,
        ip_protocol="tcp",
        from_port=rule.port,
        to_port=rule.port,
        description=rule.description,
        opts=pulumi.ResourceOptions(parent=parent),
    )
