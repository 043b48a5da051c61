"""Shared test helpers: run a component (or a whole stack) under the offline harness."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pulumi

from components.aws_context import AwsContext
from offline import fakes
from offline.harness import Plan, Resource, read_stack_settings, run_callable
from offline.permissions import plans
from offline.wire import unwrapped
from stackconfig import StackConfig
from stackconfig.loader import load_settings


def run_component(build: Callable[[], object], stack: str = "test") -> Plan:
    """Run `build` (which declares resources) under mocks and return every registered resource."""
    return run_callable(build, stack)


def stack_plan(stack: str) -> Plan:
    """The whole program for a real stack file. The permission checker's run of the same stack (cached, with the
    invokes recorded) serves both, so each stack runs once per test process."""
    return plans.stack(stack).plan


@cache
def stack_config(stack: str) -> StackConfig:
    """A real stack file's validated config, as the program reads it."""
    return load_settings(read_stack_settings(stack)[0])


def inputs(resource: Resource) -> dict[str, Any]:
    """A resource's inputs as a policy pack sees them: secrets unwrapped, references reduced to ids."""
    value = unwrapped(resource.inputs)
    assert isinstance(value, dict)
    return value


def key_arn(plan: Plan) -> str:
    """The ARN of the stack's one KMS key."""
    return str(plan.one("aws:kms/key:Key").outputs["arn"])


SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"


def group_id(plan: Plan, name: str) -> str:
    """The id of the security group registered under `name`."""
    return str(plan.one(SECURITY_GROUP, name).outputs["id"])


def rules_of(plan: Plan, type_token: str, security_group_id: str) -> list[dict[str, Any]]:
    """The inputs of the ingress or egress rules (`type_token`) that belong to one security group."""
    return [inputs(r) for r in plan.of_type(type_token) if inputs(r)["securityGroupId"] == security_group_id]


TEST_ROLE_PATH = "/socialclub-test/"
TEST_BOUNDARY_ARN = f"arn:aws:iam::{fakes.ACCOUNT}:policy/socialclub-workload-boundary"


def aws_context(region: str = fakes.REGION) -> AwsContext:
    """The AwsContext a component test passes in; call it inside `build` (Outputs belong to the run)."""
    return AwsContext(
        account_id=pulumi.Output.from_input(fakes.ACCOUNT),
        region=region,
        partition="aws",
        role_path=TEST_ROLE_PATH,
        permissions_boundary=TEST_BOUNDARY_ARN,
    )
