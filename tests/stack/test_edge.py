"""The edge of both real stacks, run offline from their stack files."""

from __future__ import annotations

import json

import pytest

from offline import fakes
from offline.harness import Plan
from tests.support import inputs, stack_config, stack_plan
from tests.support.config import run_with
from tests.support.edge import BUCKET, DISTRIBUTION, RECORD
from tests.support.iam import ROLE, policy, role_policies

STACKS = ["staging", "production"]
HOSTS = {
    "staging": ("staging-app", "staging-api", "staging-cdn"),
    "production": ("app", "api", "cdn"),
}
DOMAIN = "socialclub.example.com"


def alias_records(plan: Plan) -> dict[tuple[str, str], dict[str, str]]:
    return {
        (inputs(r)["name"], inputs(r)["type"]): inputs(r)["aliases"][0]
        for r in plan.of_type(RECORD)
        if "aliases" in inputs(r)
    }


@pytest.mark.parametrize("stack", STACKS)
def test_hosts_resolve_app_and_cdn_to_cloudfront_api_to_the_alb(stack: str) -> None:
    plan = stack_plan(stack)
    app, api, cdn = (f"{h}.{DOMAIN}" for h in HOSTS[stack])
    distribution = plan.one(DISTRIBUTION)
    alb = plan.one("aws:lb/loadBalancer:LoadBalancer")
    records = alias_records(plan)
    assert set(records) == {(app, "A"), (app, "AAAA"), (cdn, "A"), (cdn, "AAAA"), (api, "A")}
    for host in (app, cdn):
        assert records[(host, "A")]["name"] == distribution.outputs["domainName"]
        assert records[(host, "AAAA")]["zoneId"] == distribution.outputs["hostedZoneId"]
    assert records[(api, "A")]["name"] == alb.outputs["dnsName"]
    assert sorted(inputs(distribution)["aliases"]) == sorted([app, cdn])
    assert plan.outputs["appUrl"] == f"https://{app}" and plan.outputs["apiUrl"] == f"https://{api}"


@pytest.mark.parametrize(("stack", "ttl"), [("staging", 3600), ("production", 86400)])
def test_default_ttl_is_the_required_one(stack: str, ttl: int) -> None:
    """docs/requirements.md §2.2: 3,600 s in staging, 86,400 s in production."""
    assert inputs(stack_plan(stack).one("aws:cloudfront/cachePolicy:CachePolicy"))["defaultTtl"] == ttl


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_creates_the_zone_the_bootstrap_owns_it(stack: str) -> None:
    # The zone is created (and delegated) once per account by the bootstrap; a stack creating it would wait on
    # its certificate's validation before anyone could delegate the new name servers.
    assert stack_plan(stack).of_type("aws:route53/zone:Zone") == []


@pytest.mark.parametrize("stack", STACKS)
def test_certificate_validation_gives_up_in_twenty_minutes_not_seventy_five(stack: str) -> None:
    validation = stack_plan(stack).one("aws:acm/certificateValidation:CertificateValidation")
    assert validation.custom_timeouts == {"create": "20m"}


@pytest.mark.parametrize("stack", STACKS)
def test_one_validated_wildcard_certificate_for_the_alb_and_cloudfront(stack: str) -> None:
    plan = stack_plan(stack)
    cert = plan.one("aws:acm/certificate:Certificate")  # us-east-1: one certificate serves both
    assert (inputs(cert)["domainName"], inputs(cert)["subjectAlternativeNames"]) == (DOMAIN, [f"*.{DOMAIN}"])
    validated = inputs(plan.one("aws:acm/certificateValidation:CertificateValidation"))["certificateArn"]
    assert validated == cert.outputs["arn"]
    assert inputs(plan.one(DISTRIBUTION))["viewerCertificate"]["acmCertificateArn"] == validated
    https = [
        inputs(listener)
        for listener in plan.of_type("aws:lb/listener:Listener")
        if inputs(listener).get("protocol") == "HTTPS"
    ]
    assert [listener["certificateArn"] for listener in https] == [validated]


@pytest.mark.parametrize("stack", STACKS)
def test_health_checks_on_the_stacks_hosts(stack: str) -> None:
    checks = {inputs(c)["fqdn"]: inputs(c) for c in stack_plan(stack).of_type("aws:route53/healthCheck:HealthCheck")}
    app, api, _ = (f"{h}.{DOMAIN}" for h in HOSTS[stack])
    assert {fqdn: c["resourcePath"] for fqdn, c in checks.items()} == {api: "/api/health", app: "/"}
    assert {(c["requestInterval"], c["failureThreshold"]) for c in checks.values()} == {(30, 3)}


@pytest.mark.parametrize("stack", STACKS)
def test_backend_task_role_reads_the_frontend_bucket(stack: str) -> None:
    plan = stack_plan(stack)
    bucket_arn = plan.one(BUCKET, "frontend-assets").outputs["arn"]
    task_roles = [r for r in plan.of_type(ROLE) if "task" in r.name and "execution" not in r.name]
    reads = [
        s
        for role in task_roles
        for s in role_policies(plan, role)
        if s.get("Sid") == "ReadAssets" and s["Resource"] == [f"{bucket_arn}/*"]
    ]
    assert len(reads) == 1


@pytest.mark.parametrize("stack", STACKS)
def test_deploy_roles_trust_this_stacks_environment_only(stack: str) -> None:
    plan = stack_plan(stack)
    subjects = {}
    for role in plan.of_type(ROLE):
        if role.name.startswith("deploy-"):
            (trust,) = policy(role, "assumeRolePolicy")
            subjects[role.name] = trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert subjects == {
        "deploy-app-deploy": f"repo:example-org/socialclub-client-web:environment:{stack}",
        "deploy-infra-deploy": f"repo:example-org/socialclub-infra:environment:{stack}",
    }
    assert plan.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []


@pytest.mark.parametrize("stack", STACKS)
def test_app_deploy_reaches_this_stacks_repository_service_bucket_and_distribution(stack: str) -> None:
    plan = stack_plan(stack)
    statements = role_policies(plan, plan.one(ROLE, "deploy-app-deploy"))
    resources = {r for s in statements for r in s["Resource"]}
    assert plan.one("aws:ecs/service:Service").outputs["arn"] in resources
    assert plan.one(DISTRIBUTION).outputs["arn"] in resources
    assert plan.one(BUCKET, "frontend-assets").outputs["arn"] in resources
    assert not {a for s in statements for a in s["Action"]} & {"*", "s3:*", "iam:*", "ecs:*", "ecr:*"}


def test_production_protects_the_frontend_bucket_staging_does_not() -> None:
    for stack, protected in (("production", True), ("staging", False)):
        buckets = [b for b in stack_plan(stack).of_type(BUCKET) if b.name.startswith("frontend-")]
        assert len(buckets) == 1 and all(b.protect is protected for b in buckets), stack


@pytest.mark.parametrize("stack", STACKS)
def test_outputs_the_deploy_flow_reads(stack: str) -> None:
    outputs = stack_plan(stack).outputs
    for key in ("frontendBucketName", "frontendDistributionId", "appDeployRoleArn", "infraDeployRoleArn"):
        assert outputs.get(key), key
    assert json.dumps(outputs["frontendDistributionId"]).startswith('"E')


def test_the_deploy_role_arn_secret_holds_the_app_deploy_role() -> None:
    plan = stack_plan("staging")
    secret_arn = plan.outputs["secretArns"]["aws/role-arn"]
    (version,) = [
        v for v in plan.of_type("aws:secretsmanager/secretVersion:SecretVersion") if inputs(v)["secretId"] == secret_arn
    ]
    assert inputs(version)["secretString"] == plan.outputs["appDeployRoleArn"]


def test_an_mx_from_config_is_published_at_the_apex() -> None:
    plan = run_with(
        "production", dns={"mx": {"hosts": [{"priority": 10, "host": "inbound.mail.example.net"}]}, "createZone": True}
    )
    (mx,) = [inputs(r) for r in plan.of_type(RECORD) if inputs(r)["type"] == "MX"]
    assert (mx["name"], mx["records"], mx["ttl"]) == (DOMAIN, ["10 inbound.mail.example.net"], 3600)
    assert not [r for r in stack_plan("production").of_type(RECORD) if inputs(r)["type"] == "MX"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_role_of_the_stack_is_fenced_but_the_one_an_administrator_creates(stack: str) -> None:
    """The infra-deploy role may only create and change roles that carry the boundary under the stack's path;
    a role of the program without them would fail `pulumi up` in CI (and would be a way out of the fence)."""
    plan = stack_plan(stack)
    boundary = f"arn:aws:iam::{fakes.ACCOUNT}:policy/socialclub-workload-boundary"
    roles = {r.name: inputs(r) for r in plan.of_type("aws:iam/role:Role")}
    assert len(roles) >= 6
    for name, role in roles.items():
        assert role["path"] == f"/socialclub-{stack}/", name
        if name == "deploy-infra-deploy":
            assert "permissionsBoundary" not in role
        else:
            assert role["permissionsBoundary"] == boundary, name


@pytest.mark.parametrize("stack", STACKS)
def test_the_provider_refuses_credentials_of_another_account(stack: str) -> None:
    provider = stack_plan(stack).one("pulumi:providers:aws")
    # Provider inputs reach the engine as JSON text.
    assert json.loads(inputs(provider)["allowedAccountIds"]) == [stack_config(stack).account_id]
