"""AwsContext: the partition of a region, ARNs, service endpoints, and the one way components create roles."""

from __future__ import annotations

import pulumi
import pytest

from components.aws_context import AwsContext, partition_of
from tests.support import TEST_BOUNDARY_ARN, TEST_ROLE_PATH, aws_context, inputs, run_component


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("eu-central-2", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_the_partition_follows_the_region(region: str, partition: str) -> None:
    assert partition_of(region) == partition


def test_arns_carry_the_region_unless_the_service_is_global() -> None:
    def program() -> None:
        context = aws_context("eu-west-1")
        pulumi.export("regional", context.arn("sns", "alerts"))
        pulumi.export("global", context.arn("iam", "role/x", regional=False))

    outputs = run_component(program).outputs
    assert outputs["regional"] == "arn:aws:sns:eu-west-1:123456789012:alerts"
    assert outputs["global"] == "arn:aws:iam::123456789012:role/x"


def test_the_via_service_endpoint_is_regional() -> None:
    assert aws_context("eu-west-1").service_endpoint("secretsmanager") == "secretsmanager.eu-west-1.amazonaws.com"


def test_a_role_gets_the_stacks_path_and_boundary_and_the_given_session_length() -> None:
    def program() -> None:
        aws_context().role(
            "worker",
            assume_role_policy="{}",
            opts=pulumi.ResourceOptions(),
            description="does work",
            max_session_duration=7200,
        )

    role = inputs(run_component(program).one("aws:iam/role:Role", "worker"))
    assert (role["path"], role["permissionsBoundary"]) == (TEST_ROLE_PATH, TEST_BOUNDARY_ARN)
    assert (role["description"], role["maxSessionDuration"]) == ("does work", 7200)


def test_lookup_takes_the_account_from_the_caller_identity_and_names_the_boundary_from_it() -> None:
    def program() -> None:
        context = AwsContext.lookup(
            "us-gov-west-1",
            role_path="/socialclub-test/",
            permissions_boundary=lambda partition, account: f"arn:{partition}:iam::{account}:policy/fence",
        )
        assert context.partition == "aws-us-gov"
        context.role("r", assume_role_policy="{}", opts=pulumi.ResourceOptions())
        pulumi.export("account", context.account_id)

    plan = run_component(program)
    assert plan.outputs["account"] == "123456789012"
    role = inputs(plan.one("aws:iam/role:Role", "r"))
    assert role["permissionsBoundary"] == "arn:aws-us-gov:iam::123456789012:policy/fence"
    assert role["path"] == "/socialclub-test/"
