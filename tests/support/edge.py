"""What the edge tests share: stand-in ARNs, component builders with hand-made arguments, policy readers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pulumi_aws as aws

from components.cdn_site import CdnSite, CdnSiteArgs
from components.certificate import EdgeCertificates, EdgeCertificatesArgs
from components.dns_zone import DnsZone, DnsZoneArgs
from components.github_deploy_roles import GithubDeployRoles, GithubDeployRolesArgs, GithubSubject, StackFence
from components.log_bucket import LogBucket, LogBucketArgs
from offline import fakes
from offline.harness import Plan, Resource
from tests.support import aws_context, inputs, run_component

DOMAIN = "example.org"
KEY_ARN = f"arn:aws:kms:{fakes.REGION}:{fakes.ACCOUNT}:key/test-key"
CLOUDFRONT_CERT_ARN = f"arn:aws:acm:us-east-1:{fakes.ACCOUNT}:certificate/test-cert"
REPOSITORY_ARN = f"arn:aws:ecr:{fakes.REGION}:{fakes.ACCOUNT}:repository/socialclub/backend"
SERVICE_ARN = f"arn:aws:ecs:{fakes.REGION}:{fakes.ACCOUNT}:service/test/backend-service"
TASK_ROLE_ARN = f"arn:aws:iam::{fakes.ACCOUNT}:role/test-task"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{fakes.ACCOUNT}:role/test-execution"
APP_SUBJECT = GithubSubject("org/app", "repo:org/app:environment:test")
INFRA_SUBJECT = GithubSubject("org/infra", "repo:org/infra:environment:test")

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RECORD = "aws:route53/record:Record"


def site_args(**overrides: Any) -> CdnSiteArgs:
    """Call inside a build (the context holds an Output)."""
    base = CdnSiteArgs(
        context=aws_context(),
        name_prefix="sc-test",
        aliases=[f"app.{DOMAIN}", f"cdn.{DOMAIN}"],
        certificate_arn=CLOUDFRONT_CERT_ARN,
        kms_key_arn=KEY_ARN,
        log_bucket=LogBucket("logs", LogBucketArgs(context=aws_context(), name_prefix="sc-test")),
        connect_origins=[f"https://api.{DOMAIN}"],
    )
    return replace(base, **overrides)


def site_with_grants(**overrides: Any) -> Callable[[], None]:
    """A CdnSite whose read and deploy grants go to two stand-in roles."""

    def program() -> None:
        site = CdnSite("site", site_args(**overrides))
        reader = aws.iam.Role("reader", assume_role_policy="{}")
        deployer = aws.iam.Role("deployer", assume_role_policy="{}")
        site.grant_read(reader, "reader")
        site.grant_deploy(deployer, "deployer")

    return program


FENCE = StackFence(
    stack="test",
    tag_key="Stack",
    project="socialclub",
    state_bucket="socialclub-pulumi-state-123456789012-us-east-1",
    bucket_prefix="socialclub-test-",
    record_names=["test-app.example.com", "test-api.example.com", "_*.example.com"],
)


def deploy_roles(**overrides: Any) -> Callable[[], None]:
    """GithubDeployRoles with both app-deploy verbs applied to stand-in backend ARNs."""

    def program() -> None:
        base = GithubDeployRolesArgs(
            context=aws_context(),
            name_prefix="sc-test",
            app_deploy=APP_SUBJECT,
            infra_deploy=INFRA_SUBJECT,
            fence=FENCE,
        )
        roles = GithubDeployRoles("deploy", replace(base, **overrides))
        roles.allow_image_push(REPOSITORY_ARN)
        roles.allow_service_rollout(SERVICE_ARN, [TASK_ROLE_ARN, EXECUTION_ROLE_ARN])

    return program


def policy(resource: Resource, key: str = "policy") -> list[dict[str, Any]]:
    """The statements of a JSON policy input, with single values listed so tests need not care."""
    statements: list[dict[str, Any]] = json.loads(inputs(resource)[key])["Statement"]
    for st in statements:
        for field in ("Action", "Resource"):
            if isinstance(st.get(field), str):
                st[field] = [st[field]]
    return statements


def statement_by_sid(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    found = [s for s in statements if s.get("Sid") == sid]
    assert len(found) == 1, f"expected one statement {sid}, found {len(found)}"
    return found[0]


def role_policies(plan: Plan, role: Resource) -> list[dict[str, Any]]:
    """Every inline-policy statement attached to `role` (RolePolicy.role is its id, i.e. its name)."""
    role_id = role.outputs.get("id") or inputs(role).get("name")
    return [st for rp in plan.of_type(ROLE_POLICY) if inputs(rp)["role"] == role_id for st in policy(rp)]


def zone_and_certificates(*, create: bool, region: str) -> Plan:
    """A zone (created or looked up) and the edge certificates validated in it, planned in `region`."""

    def program() -> None:
        zone = DnsZone("dns", DnsZoneArgs(domain=DOMAIN, create=create, protect=create))
        EdgeCertificates("certs", EdgeCertificatesArgs(domain=DOMAIN, zone_id=zone.zone_id, region=region))

    return run_component(program)
