"""bootstrap/__main__.py run under mocks with its stack file: the state bucket, the secrets key, GitHub OIDC."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
import yaml

from bootstrap.config import NAMESPACE, BootstrapConfigError, load_bootstrap_config
from bootstrap.state_backend import (
    TLS_ONLY_SID,
    StateBackend,
    StateBackendArgs,
    state_bucket_policy,
    state_reader_policy,
)
from offline.fakes import ACCOUNT
from offline.harness import Plan, Resource
from stackconfig.github import trust_policy
from tests.support import run_component, stack_config
from tests.support.bootstrap import BOOTSTRAP, run

BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
STATE_KEY = "socialclub-state-key"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run()


def stack_file() -> dict[str, Any]:
    document = yaml.safe_load((BOOTSTRAP / "Pulumi.account.yaml").read_text())
    config: dict[str, Any] = document["config"]
    return config


def bucket(plan: Plan) -> Resource:
    return plan.one(BUCKET)


def targeting_bucket(plan: Plan, type_token: str) -> Resource:
    found = plan.one(type_token)
    assert found.inputs["bucket"] == bucket(plan).outputs["id"]
    return found


def policy(resource: Resource, key: str = "policy") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(resource.inputs[key])
    return document


def test_the_state_bucket_is_private(plan: Plan) -> None:
    block = targeting_bucket(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for setting in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block.inputs[setting] is True, setting
    ownership = targeting_bucket(plan, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    assert "acl" not in bucket(plan).inputs
    bucket_policy = targeting_bucket(plan, "aws:s3/bucketPolicy:BucketPolicy")
    statements = policy(bucket_policy)["Statement"]
    assert all(s["Effect"] == "Deny" for s in statements), "the bucket policy grants nothing"
    # S3 rejects a bucket policy while the public access block or the ownership controls are being written.
    assert {block.urn, ownership.urn} <= set(bucket_policy.dependencies)


def test_the_state_bucket_is_versioned_and_old_versions_expire(plan: Plan) -> None:
    versioning = targeting_bucket(plan, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    (rule,) = targeting_bucket(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {"prefix": ""}
    state = stack_file()[f"{NAMESPACE}:state"]
    assert rule["noncurrentVersionExpiration"] == {
        "noncurrentDays": state["noncurrentVersionDays"],
        "newerNoncurrentVersions": state["newerNoncurrentVersions"],
    }
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    # A deleted stack leaves delete markers over expired versions: they go too.
    assert rule["expiration"] == {"expiredObjectDeleteMarker": True}


def test_the_state_bucket_is_encrypted_with_the_secrets_key(plan: Plan) -> None:
    encryption = targeting_bucket(
        plan, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    (rule,) = encryption.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": plan.one(KEY, STATE_KEY).outputs["arn"],
    }
    assert rule["bucketKeyEnabled"] is True


def test_the_state_bucket_refuses_plain_http_and_nothing_pulumi_sends(plan: Plan) -> None:
    statements = policy(targeting_bucket(plan, "aws:s3/bucketPolicy:BucketPolicy"))["Statement"]
    arn = bucket(plan).outputs["arn"]
    (tls,) = [s for s in statements if s["Sid"] == TLS_ONLY_SID]
    assert tls == {
        "Sid": TLS_ONLY_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    # Pulumi's S3 backend writes state without SSE headers (pulumi/pulumi#9341): any condition on them in a
    # deny would refuse `pulumi login`/`stack init` with 403. Default encryption applies the key instead.
    assert statements == [tls]


def test_the_secrets_key_rotates_and_is_the_stacks_secrets_provider(plan: Plan) -> None:
    key = plan.one(KEY, STATE_KEY)
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == stack_file()[f"{NAMESPACE}:state"]["keyDeletionWindowDays"]
    (statement,) = policy(key)["Statement"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    alias = plan.one("aws:kms/alias:Alias", "socialclub-state-alias")
    assert alias.inputs["targetKeyId"] == key.outputs["keyId"]
    assert plan.outputs["secretsProvider"] == f"awskms://{alias.inputs['name']}?region=us-east-1"
    assert plan.outputs["secretsKeyArn"] == key.outputs["arn"]


def test_each_stack_gets_a_secrets_key_of_its_own_tagged_for_the_deploy_roles_fence(plan: Plan) -> None:
    """A key shared by the stacks would let staging's deploy role, or a pull request's preview, decrypt
    production's config secrets."""
    stacks = stack_file()[f"{NAMESPACE}:state"].get("stacks", ["staging", "production"])
    providers = plan.outputs["stackSecretsProviders"]
    assert sorted(providers) == sorted(stacks)
    for stack in stacks:
        key = plan.one(KEY, f"{STATE_KEY}-{stack}")
        assert key.inputs["tags"] == {"Stack": stack} and key.protect and key.inputs["enableKeyRotation"] is True
        alias = plan.one("aws:kms/alias:Alias", f"socialclub-state-alias-{stack}")
        assert alias.inputs["targetKeyId"] == key.outputs["keyId"]
        assert providers[stack] == f"awskms://alias/socialclub-pulumi-secrets-{stack}?region=us-east-1"


def test_the_backend_url_names_the_bucket_by_account_and_region(plan: Plan) -> None:
    name = f"socialclub-pulumi-state-{ACCOUNT}-us-east-1"
    assert bucket(plan).inputs["bucket"] == name
    assert plan.outputs["backendUrl"] == f"s3://{name}?region=us-east-1"
    assert run(state={"bucketName": "acme-pulumi-state"}).outputs["backendUrl"] == (
        "s3://acme-pulumi-state?region=us-east-1"
    )


def test_the_bucket_and_the_key_survive_pulumi_destroy(plan: Plan) -> None:
    assert bucket(plan).protect and plan.one(KEY, STATE_KEY).protect
    assert bucket(plan).inputs["forceDestroy"] is False


def test_every_resource_is_tagged_through_the_explicit_provider(plan: Plan) -> None:
    provider = plan.one("pulumi:providers:aws")
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert {"Project", "Environment", "Owner", "ManagedBy"} <= set(tags)
    assert tags["Owner"] == stack_file()[f"{NAMESPACE}:owner"]
    # Credentials of another account are refused before anything is created.
    assert json.loads(provider.inputs["allowedAccountIds"]) == [stack_file()[f"{NAMESPACE}:accountId"]]
    custom = [r for r in plan.resources if r.custom and r.type.startswith("aws:")]
    assert custom
    for resource in custom:
        assert resource.provider.startswith(provider.urn + "::"), resource.name
        assert resource.parent, f"{resource.name} is not inside a component"


def test_the_github_oidc_provider_is_created_unless_the_account_has_one(plan: Plan) -> None:
    created = plan.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert created.inputs["url"] == "https://token.actions.githubusercontent.com"
    assert created.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert plan.outputs["githubOidcProviderArn"] == created.outputs["arn"]

    existing = run(github={"createOidcProvider": False})
    assert not existing.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    expected = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    assert existing.outputs["githubOidcProviderArn"] == expected


def test_the_preview_role_trusts_only_pull_requests_of_the_repository(plan: Plan) -> None:
    role = plan.one("aws:iam/role:Role", "socialclub-github-preview")
    repository = stack_file()[f"{NAMESPACE}:github"]["repository"]
    (statement,) = policy(role, "assumeRolePolicy")["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": plan.outputs["githubOidcProviderArn"]}
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": f"repo:{repository}:pull_request",
        }
    }
    assert plan.outputs["previewRoleArn"] == role.outputs["arn"]


def test_the_preview_role_sees_metadata_and_reads_state_but_writes_nothing(plan: Plan) -> None:
    role = plan.one("aws:iam/role:Role", "socialclub-github-preview")
    attachment = plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "socialclub-github-preview-view-only")
    assert attachment.inputs["role"] == role.outputs["name"]
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    grant = plan.one("aws:iam/rolePolicy:RolePolicy", "socialclub-state-read-preview")
    assert grant.inputs["role"] == role.outputs["id"]
    arn = bucket(plan).outputs["arn"]
    statements = {s["Sid"]: s for s in policy(grant)["Statement"]}
    assert {s["Effect"] for s in statements.values()} == {"Allow"}
    assert {a for s in statements.values() for a in [s["Action"]]} == {"s3:ListBucket", "s3:GetObject", "kms:Decrypt"}
    # Staging's objects only (the committed previewStacks), never production's state or its secrets key.
    objects = statements["ReadTheseStacksState"]["Resource"]
    assert f"{arn}/.pulumi/stacks/socialclub/staging.json*" in objects
    assert not [o for o in objects if "production" in o]
    assert statements["DecryptTheseStacksSecrets"]["Resource"] == [plan.one(KEY, f"{STATE_KEY}-staging").outputs["arn"]]
    assert statements["DecryptStateObjectsThroughS3"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    }


def test_the_public_zone_is_created_here_protected_before_any_stack(plan: Plan) -> None:
    zone = plan.one("aws:route53/zone:Zone")
    domain = stack_file()[f"{NAMESPACE}:dns"]["domain"]
    assert zone.inputs["name"] == domain
    assert zone.protect is True
    assert plan.outputs["hostedZoneNameServers"] == zone.outputs["nameServers"]
    for stack in ("staging", "production"):
        document = yaml.safe_load((BOOTSTRAP.parent / f"Pulumi.{stack}.yaml").read_text())
        dns = document["config"]["socialclub:dns"]
        # Every stack looks the zone up: a stack creating it would validate its certificate in the same `up`
        # as the zone is born, before anyone could delegate it.
        assert dns["domain"] == domain and not dns.get("createZone", False), stack


def test_the_zone_is_signed_with_a_p256_key_in_us_east_1_that_route53_uses_for_this_zone_only(plan: Plan) -> None:
    zone = plan.one("aws:route53/zone:Zone")
    (key,) = [k for k in plan.of_type(KEY) if not k.name.startswith(STATE_KEY)]
    assert (key.inputs["customerMasterKeySpec"], key.inputs["keyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert key.inputs["region"] == "us-east-1"
    assert key.protect and key.inputs["deletionWindowInDays"] == 30
    by_sid = {s["Sid"]: s for s in policy(key)["Statement"]}
    service = {"Service": "dnssec-route53.amazonaws.com"}
    signs = by_sid["Route53DnssecSignsThisZone"]
    assert (signs["Principal"], signs["Action"]) == (service, ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"])
    assert signs["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": zone.outputs["arn"]},
    }
    grant = by_sid["Route53DnssecGrantsItself"]
    assert (grant["Principal"], grant["Action"]) == (service, "kms:CreateGrant")
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    ksk = plan.one("aws:route53/keySigningKey:KeySigningKey")
    assert ksk.inputs["hostedZoneId"] == zone.outputs["zoneId"]
    assert ksk.inputs["keyManagementServiceArn"] == key.outputs["arn"]
    assert ksk.inputs["status"] == "ACTIVE" and ksk.protect
    signing = plan.one("aws:route53/hostedZoneDnsSec:HostedZoneDnsSec")
    assert (signing.inputs["hostedZoneId"], signing.inputs["signingStatus"]) == (zone.outputs["zoneId"], "SIGNING")
    assert ksk.urn in signing.dependencies and signing.protect


def test_every_query_is_logged_to_the_zone_s_group_in_us_east_1(plan: Plan) -> None:
    zone = plan.one("aws:route53/zone:Zone")
    dns = stack_file()[f"{NAMESPACE}:dns"]
    group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == f"/aws/route53/{dns['domain']}"
    assert (group.inputs["region"], group.inputs["retentionInDays"]) == ("us-east-1", dns["queryLogRetentionDays"])
    resource_policy = plan.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
    assert resource_policy.inputs["region"] == "us-east-1"
    (writes,) = policy(resource_policy, "policyDocument")["Statement"]
    assert writes["Principal"] == {"Service": "route53.amazonaws.com"}
    assert writes["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert writes["Resource"] == f"{group.outputs['arn']}:*"
    assert writes["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": zone.outputs["arn"]},
    }
    query_log = plan.one("aws:route53/queryLog:QueryLog")
    assert query_log.inputs["zoneId"] == zone.outputs["zoneId"]
    assert query_log.inputs["cloudwatchLogGroupArn"] == group.outputs["arn"]
    assert resource_policy.urn in query_log.dependencies, "Route 53 checks the policy when the config is created"


def test_dnssec_and_query_logging_are_switches() -> None:
    plan = run(dns={"domain": stack_file()[f"{NAMESPACE}:dns"]["domain"], "dnssec": False, "queryLogging": False})
    for type_token in (
        "aws:route53/keySigningKey:KeySigningKey",
        "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec",
        "aws:route53/queryLog:QueryLog",
        "aws:cloudwatch/logGroup:LogGroup",
    ):
        assert plan.of_type(type_token) == [], type_token
    assert [k.name for k in plan.of_type(KEY) if not k.name.startswith(f"{STATE_KEY}-")] == [STATE_KEY]


def test_the_zone_owner_publishes_the_mx() -> None:
    domain = stack_file()[f"{NAMESPACE}:dns"]["domain"]
    plan = run(dns={"domain": domain, "mx": {"hosts": [{"priority": 10, "host": "in.mail.example.net"}]}})
    mx = plan.one("aws:route53/record:Record")
    assert (mx.inputs["type"], mx.inputs["name"], mx.inputs["records"]) == ("MX", domain, ["10 in.mail.example.net"])


def test_the_workload_boundary_is_the_one_the_stacks_name_and_grants_no_iam(plan: Plan) -> None:
    boundary = plan.one("aws:iam/policy:Policy")
    assert boundary.protect is True
    assert plan.outputs["workloadBoundaryArn"] == boundary.outputs["arn"]
    # The ARN the stacks give their roles' boundary, from the account alone (stack/test_edge checks that side).
    assert boundary.outputs["arn"] == f"arn:aws:iam::{ACCOUNT}:policy/socialclub-workload-boundary"
    statements = {s["Sid"]: s for s in policy(boundary)["Statement"]}
    assert statements["EverythingButIdentityAndAccount"]["NotAction"] == ["iam:*", "organizations:*", "account:*"]
    passing = statements["PassProjectRolesToTheStacksServices"]
    assert passing["Action"] == "iam:PassRole"
    # Exactly the services the stacks hand roles to: ECS tasks, RDS enhanced monitoring, EventBridge Scheduler (the
    # rotation reminder), VPC flow logs and AWS Chatbot.
    assert sorted(passing["Condition"]["StringEquals"]["iam:PassedToService"]) == [
        "chatbot.amazonaws.com",
        "ecs-tasks.amazonaws.com",
        "monitoring.rds.amazonaws.com",
        "scheduler.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
    ]
    assert [s for s in statements.values() if s["Effect"] == "Allow" and s.get("Action") in ("*", "iam:*")] == []


def test_the_backend_repository_is_the_account_s_and_matches_what_the_stacks_name(plan: Plan) -> None:
    """Both stacks run images from it and the first image is pushed before either's first `pulumi up`."""
    repository = plan.one("aws:ecr/repository:Repository")
    assert repository.protect is True
    assert repository.inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": plan.one(KEY, STATE_KEY).outputs["arn"]}
    ]
    registry = stack_file()[f"{NAMESPACE}:registry"]
    assert repository.inputs["name"] == registry["name"]
    for stack in ("staging", "production"):
        named = stack_config(stack).service.repository
        assert (named.name, named.moving_tags, named.create) == (registry["name"], registry["movingTags"], False)
    assert plan.outputs["ecrRepositoryUrl"] == repository.outputs["repositoryUrl"]


def test_the_drift_role_trusts_the_drift_environment_and_reads_every_stack_but_writes_nothing(plan: Plan) -> None:
    role = plan.one("aws:iam/role:Role", "socialclub-github-drift")
    repository = stack_file()[f"{NAMESPACE}:github"]["repository"]
    (statement,) = policy(role, "assumeRolePolicy")["Statement"]
    assert (
        statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
        == f"repo:{repository}:environment:drift"
    )
    state = policy(plan.one("aws:iam/rolePolicy:RolePolicy", "socialclub-state-read-drift"))["Statement"]
    objects = next(s for s in state if s["Sid"] == "ReadTheseStacksState")["Resource"]
    assert any("/production/" in o or "production.json" in o for o in objects)
    reads = policy(plan.one("aws:iam/rolePolicy:RolePolicy", "socialclub-github-drift-reads"))["Statement"]
    actions = [a for s in reads for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    # Reads only: every action a Get, Describe or List (and Decrypt through Secrets Manager).
    assert all(a.split(":")[1].startswith(("Get", "Describe", "List")) or a == "kms:Decrypt" for a in actions), actions
    secret_values = next(s for s in reads if s["Sid"] == "TheProjectsSecretValues")
    assert secret_values["Resource"].endswith(":secret:socialclub/*")
    assert plan.outputs["driftRoleArn"] == role.outputs["arn"]


def test_no_preview_role_unless_asked() -> None:
    plan = run(github={"createOidcProvider": True, "previewRole": False})
    assert not plan.of_type("aws:iam/role:Role")
    assert not plan.of_type("aws:iam/rolePolicy:RolePolicy")
    assert "previewRoleArn" not in plan.outputs


def test_bad_config_stops_the_program_with_the_key_path() -> None:
    with pytest.raises(pulumi.RunError, match=f"{NAMESPACE}:github.repository"):
        run(github={"repository": "not a repository"})


@pytest.mark.parametrize(
    ("settings", "region", "expected"),
    [
        ({}, "us-east-1", f"{NAMESPACE}:owner: required key is missing"),
        ({"owner": "x"}, None, "aws:region: required key is missing"),
        ({"owner": "x"}, "Virginia", "aws:region = 'Virginia'"),
        ({"owner": "x", "region": "us-east-1"}, "us-east-1", f"{NAMESPACE}:region: unknown key"),
        ({"owner": "x", "stat": "{}"}, "us-east-1", f"{NAMESPACE}:stat = {{}}: Extra inputs"),
        ({"owner": "x", "state": '{"keyDeletionWindowDays": 3}'}, "us-east-1", "state.keyDeletionWindowDays = 3"),
        ({"owner": "x", "state": '{"bucketName": "Bad_Name"}'}, "us-east-1", "state.bucketName = 'Bad_Name'"),
        ({"owner": "x", "github": '{"previewRole": true}'}, "us-east-1", "previewRole needs repository"),
    ],
)
def test_each_config_problem_gets_a_line_naming_its_key(
    settings: dict[str, str], region: str | None, expected: str
) -> None:
    with pytest.raises(BootstrapConfigError) as raised:
        load_bootstrap_config(settings, region)
    assert any(expected in line for line in raised.value.lines), raised.value.lines


def test_the_project_runs_in_the_repository_virtualenv_under_its_namespace() -> None:
    project = yaml.safe_load((BOOTSTRAP / "Pulumi.yaml").read_text())
    assert project["name"] == NAMESPACE
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "uv", "virtualenv": "../.venv"},
    }
    for key in stack_file():
        assert key.startswith((f"{NAMESPACE}:", "aws:")), key


def test_tls_only_policy_covers_the_bucket_and_its_objects() -> None:
    document = state_bucket_policy("arn:aws:s3:::b")
    (tls,) = [s for s in document["Statement"] if s["Sid"] == TLS_ONLY_SID]
    assert tls["Resource"] == ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
    assert tls["Effect"] == "Deny"


def test_github_trust_policy_pins_audience_and_exact_subjects() -> None:
    document = trust_policy("arn:p", ["repo:o/r:pull_request", "repo:o/r:environment:staging"])
    condition = document["Statement"][0]["Condition"]
    assert set(condition) == {"StringEquals"}, "no StringLike: no wildcard subject"
    assert condition["StringEquals"]["token.actions.githubusercontent.com:sub"] == [
        "repo:o/r:pull_request",
        "repo:o/r:environment:staging",
    ]


def test_state_reader_policy_never_writes_state() -> None:
    document = state_reader_policy("arn:aws:s3:::b", "arn:k", ["arn:s"], [".pulumi/meta.yaml"], "us-east-1")
    actions = {s["Action"] for s in document["Statement"]}
    assert actions == {"s3:ListBucket", "s3:GetObject", "kms:Decrypt"}


def test_a_preview_of_a_stack_the_backend_has_no_key_for_is_refused() -> None:
    with pytest.raises(Exception, match="previewStacks"):
        run(github={**stack_file()[f"{NAMESPACE}:github"], "previewStacks": ["production", "qa"]})


def test_the_bootstrap_and_the_stacks_agree_on_the_repository_and_the_oidc_provider() -> None:
    github = stack_file()[f"{NAMESPACE}:github"]
    creators = ["bootstrap"] if github["createOidcProvider"] else []
    for stack in ("staging", "production"):
        document = yaml.safe_load((BOOTSTRAP.parent / f"Pulumi.{stack}.yaml").read_text())
        deploy = document["config"]["socialclub:deploy"]
        # Pull requests of the repository whose deploy job runs `pulumi up` are the ones that preview.
        assert deploy["infraDeploy"]["repository"] == github["repository"], stack
        if deploy.get("createOidcProvider", False):
            creators.append(stack)
    assert len(creators) == 1, f"the account has one GitHub OIDC provider; created by {creators}"


def test_reading_the_state_of_a_stack_without_its_own_key_is_refused() -> None:
    def program() -> None:
        backend = StateBackend("state", StateBackendArgs("b", "alias/sc", "us-east-1", stacks=["staging"]))
        backend.grant_read(aws.iam.Role("preview", assume_role_policy="{}"), "socialclub", ["staging", "qa"])

    with pytest.raises(Exception, match=r"StateBackend: no secrets key for \['qa'\]"):
        run_component(program)
