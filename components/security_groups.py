"""Security groups opened port by port to other groups: the pieces the data stores (and any service) share."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def closed_security_group(
    name: str, vpc_id: pulumi.Input[str], description: str, parent: pulumi.Resource
) -> aws.ec2.SecurityGroup:
    """A group with no rules at all: no inbound until a verb opens a port, and no outbound.

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


def allow_tcp_from_group(
    name: str,
    security_group_id: pulumi.Input[str],
    *,
    source_group_id: pulumi.Input[str],
    port: int,
    description: str,
    parent: pulumi.Resource,
) -> aws.vpc.SecurityGroupIngressRule:
    """Open exactly one TCP port of `security_group_id` to members of exactly one other group (no CIDR)."""
    return aws.vpc.SecurityGroupIngressRule(
        name,
        security_group_id=security_group_id,
        referenced_security_group_id=source_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def allow_tcp_to_group(
    name: str,
    security_group_id: pulumi.Input[str],
    *,
    destination_group_id: pulumi.Input[str],
    port: int,
    description: str,
    parent: pulumi.Resource,
) -> aws.vpc.SecurityGroupEgressRule:
    """Let members of `security_group_id` open exactly one TCP port on members of one other group (no CIDR);
    the egress twin of allow_tcp_from_group."""
    return aws.vpc.SecurityGroupEgressRule(
        name,
        security_group_id=security_group_id,
        referenced_security_group_id=destination_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=description,
        opts=pulumi.ResourceOptions(parent=parent),
    )
