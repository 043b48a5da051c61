"""What the edge tests share: stand-in ARNs, component builders with hand-made arguments, policy readers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pulumi_aws as aws

from components.cdn_site import CdnSite, CdnSiteArgs
from components.certificate import EdgeCertificates, EdgeCertificatesArgs
from components.dns_zone import DnsZone, DnsZoneArgs
from components.github_deploy_roles import GithubDeployRoles, GithubDeployRolesArgs, StackFence
from components.log_bucket import LogBucket, LogBucketArgs
from offline import fakes
from offline.harness import Plan
from stackconfig.edge import CdnSiteSettings, DnsZoneSettings, GithubDeployRolesSettings, GithubSubject
from tests.support import aws_context, run_component

DOMAIN = "example.org"
KEY_ARN = f"arn:aws:kms:{fakes.REGION}:{fakes.ACCOUNT}:key/test-key"
CLOUDFRONT_CERT_ARN = f"arn:aws:acm:us-east-1:{fakes.ACCOUNT}:certificate/test-cert"
REPOSITORY_ARN = f"arn:aws:ecr:{fakes.REGION}:{fakes.ACCOUNT}:repository/socialclub/backend"
SERVICE_ARN = f"arn:aws:ecs:{fakes.REGION}:{fakes.ACCOUNT}:service/test/backend-service"
TASK_ROLE_ARN = f"arn:aws:iam::{fakes.ACCOUNT}:role/test-task"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{fakes.ACCOUNT}:role/test-execution"
APP_SUBJECT = GithubSubject(repository="org/app", environment="test")
INFRA_SUBJECT = GithubSubject(repository="org/infra", environment="test")

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
RECORD = "aws:route53/record:Record"


def _split(overrides: dict[str, Any], settings: type[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The overrides that are fields of `settings`, and the others (the Args' wiring)."""
    fields = set(settings.model_fields)
    return {k: v for k, v in overrides.items() if k in fields}, {k: v for k, v in overrides.items() if k not in fields}


def site_args(**overrides: Any) -> CdnSiteArgs:
    """Call inside a build (the context holds an Output). Overrides of CdnSiteSettings fields go to `settings`."""
    settings, wiring = _split(overrides, CdnSiteSettings)
    base = CdnSiteArgs(
        context=aws_context(),
        name_prefix="sc-test",
        aliases=[f"app.{DOMAIN}", f"cdn.{DOMAIN}"],
        certificate_arn=CLOUDFRONT_CERT_ARN,
        kms_key_arn=KEY_ARN,
        log_bucket=LogBucket("logs", LogBucketArgs(context=aws_context(), name_prefix="sc-test")),
        connect_origins=[f"https://api.{DOMAIN}"],
        settings=CdnSiteSettings(**settings),
    )
    return replace(base, **wiring)


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
    """GithubDeployRoles with both app-deploy verbs applied to stand-in backend ARNs. Overrides of
    GithubDeployRolesSettings fields go to `settings`."""
    subjects, wiring = _split(overrides, GithubDeployRolesSettings)

    def program() -> None:
        base = GithubDeployRolesArgs(
            context=aws_context(),
            name_prefix="sc-test",
            settings=GithubDeployRolesSettings(
                **({"app_deploy": APP_SUBJECT, "infra_deploy": INFRA_SUBJECT} | subjects)
            ),
            fence=FENCE,
        )
        roles = GithubDeployRoles("deploy", replace(base, **wiring))
        roles.grant_image_push(REPOSITORY_ARN)
        roles.grant_service_rollout(SERVICE_ARN, [TASK_ROLE_ARN, EXECUTION_ROLE_ARN])

    return program


def zone_and_certificates(*, create: bool, region: str) -> Plan:
    """A zone (created or looked up) and the edge certificates validated in it, planned in `region`."""

    def program() -> None:
        zone = DnsZone("dns", DnsZoneArgs(DnsZoneSettings(domain=DOMAIN, create_zone=create, protect=create)))
        EdgeCertificates("certs", EdgeCertificatesArgs(zone=zone, region=region))

    return run_component(program)
