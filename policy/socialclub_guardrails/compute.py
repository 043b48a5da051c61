"""EC2 compute, whichever resource launches it (instance, spot request, launch template or configuration, spot
fleet): no public IP address, and the instance metadata service only with session tokens (IMDSv2)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from .helpers import SUBNET, Config, Props, Rule, Stack, family, get, is_set, items, resource_rule, stack_rule

PUBLIC_IP = Rule(
    name="ec2-no-public-ip",
    control="EC2.9, EC2.25, AutoScaling.5",
    description="EC2 instances, and the templates and fleets that launch them, get no public IP address; the "
    "internet reaches the stack only through the load balancer.",
    fix="set associate_public_ip_address=False (network_interfaces[].associate_public_ip_address='false' in a "
    "launch template) and launch into the private subnets.",
)

IMDSV2 = Rule(
    name="ec2-imdsv2-required",
    control="EC2.8, EC2.170, AutoScaling.3",
    description="EC2 instances, and the templates that launch them, answer the instance metadata service only "
    "with session tokens (IMDSv2), so an SSRF cannot read the instance role's credentials.",
    fix="set metadata_options={'http_tokens': 'required', 'http_put_response_hop_limit': 1} (or "
    "http_endpoint='disabled').",
)


def _public_flag(value: Any) -> bool:
    # Launch templates take the flag as the string "true"; the others as a boolean.
    return value is True or str(value).lower() == "true"


def _metadata(where: str, options: Any) -> Iterator[str]:
    if get(options, "httpEndpoint") == "disabled":
        return
    tokens = get(options, "httpTokens", default="optional")  # EC2's default unless the AMI says otherwise
    if tokens != "required":
        yield f"{where}metadataOptions.httpTokens is '{tokens}': IMDSv1 answers without a token."


def _instance_public(props: Props) -> Iterator[str]:
    if _public_flag(get(props, "associatePublicIpAddress")):
        yield "associatePublicIpAddress is true."


def _instance_metadata(props: Props) -> Iterator[str]:
    if is_set(props, "launchTemplate") and get(props, "metadataOptions") is None:
        return  # the launch template's options apply; that template is judged on its own
    yield from _metadata("", get(props, "metadataOptions", default={}))


def _template_public(props: Props) -> Iterator[str]:
    for index, interface in enumerate(items(get(props, "networkInterfaces"))):
        if _public_flag(get(interface, "associatePublicIpAddress")):
            yield f"networkInterfaces[{index}].associatePublicIpAddress is true."


def _fleet_public(props: Props) -> Iterator[str]:
    for index, spec in enumerate(items(get(props, "launchSpecifications"))):
        if _public_flag(get(spec, "associatePublicIpAddress")):
            yield f"launchSpecifications[{index}].associatePublicIpAddress is true."


def _fleet_metadata(props: Props) -> Iterator[str]:
    # Launch specifications have no metadata options; fleets that need IMDSv2 use launch templates.
    if items(get(props, "launchSpecifications")):
        yield "launchSpecifications cannot require IMDSv2; use launch_template_configs with a launch template."


Check = Callable[[Props], Iterator[str]]

# (public IP check, metadata check) for every member of the ec2-compute family.
COMPUTE: dict[str, tuple[Check, Check]] = {
    "aws:ec2/instance:Instance": (_instance_public, _instance_metadata),
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": (_instance_public, _instance_metadata),
    "aws:ec2/launchConfiguration:LaunchConfiguration": (_instance_public, _instance_metadata),
    "aws:ec2/launchTemplate:LaunchTemplate": (_template_public, _instance_metadata),
    "aws:ec2/spotFleetRequest:SpotFleetRequest": (_fleet_public, _fleet_metadata),
}


INSTANCES = ("aws:ec2/instance:Instance", "aws:ec2/spotInstanceRequest:SpotInstanceRequest")


def _public_ip(resource: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    yield from COMPUTE[resource.resource_type][0](resource.props)
    if resource.resource_type in INSTANCES and get(resource.props, "associatePublicIpAddress") is None:
        # Unset, the subnet decides: a public-tier subnet maps a public IP on launch.
        for subnet in stack.related(resource, "subnetId", SUBNET):
            if get(subnet.props, "mapPublicIpOnLaunch") is True:
                yield f"subnet '{subnet.name}' maps a public IP on launch and associatePublicIpAddress is not false."


def _imdsv2(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    yield from COMPUTE[args.resource_type][1](args.props)


POLICIES: list[Policy] = [
    stack_rule(PUBLIC_IP, family("ec2-compute"), _public_ip),
    resource_rule(IMDSV2, family("ec2-compute"), _imdsv2),
]
