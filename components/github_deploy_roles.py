"""GithubDeployRoles: the roles GitHub Actions assumes through OIDC to deploy this stack.

- app-deploy: what an application release does (push the image to this repository, register the task
  definition and roll this service, publish the frontend, invalidate the distribution). Grants come as verbs
  (`grant_image_push`, `grant_service_rollout`, and the site's `grant_deploy`), each scoped to one resource.
- infra-deploy: what `pulumi up` does. It creates and changes nearly every kind of resource, so it is broad by
  nature: AWS's PowerUserAccess (everything but IAM, Organizations and Account) plus IAM limited to roles and
  policies carrying this stack's tags, never its own role (an administrator changes that), and no destructive
  action on another stack's tagged resources (stacks may share an account).

Both trust exactly one GitHub `sub` claim with the STS audience: no wildcard in the trust policy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, document, statement
from stackconfig.edge import GithubDeployRolesSettings
from stackconfig.github import GITHUB_OIDC_HOST, STS_AUDIENCE, checked_subjects, oidc_provider_arn, trust_policy
from stackconfig.iam import PASSABLE_TO_SERVICES

POWER_USER_POLICY = "policy/PowerUserAccess"

ECR_PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)

# Read what `pulumi refresh`/`up` reads of IAM; every action here accepts a role, policy or provider ARN.
IAM_READ_ACTIONS = (
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListPolicyTags",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
)
# IAM evaluates iam:PermissionsBoundary for these (the service authorization reference): they may act only on a
# role that carries the boundary, and CreateRole only when it sets it.
BOUNDED_ROLE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
)
# The rest of a role's life, which that key does not cover: fenced by the stack's path instead.
PATH_ROLE_ACTIONS = (
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
OWNED_POLICY_ACTIONS = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
# The infra-deploy role changing itself could widen its own trust or permissions: denied although it lives under
# the stack's path. Changes to it are applied by an administrator (docs/first-deploy.md). The app-deploy role
# is not listed: it carries the boundary, so what the stack grants it cannot exceed it.
SELF_PROTECTED_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
)


def github_trust_policy(provider_arn: pulumi.Input[str], subject: str) -> pulumi.Output[str]:
    """Trust GitHub's OIDC tokens carrying exactly this `sub` and the STS audience."""
    subjects = checked_subjects([subject])  # at declaration, not inside an apply
    return pulumi.Output.from_input(provider_arn).apply(lambda arn: json.dumps(trust_policy(arn, subjects)))


def ecr_push_statements(repository_arn: pulumi.Input[str]) -> list[Statement]:
    return [
        # GetAuthorizationToken has no resource-level permission and no condition key (registry-wide login).
        statement(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin"),
        statement(ECR_PUSH_ACTIONS, [repository_arn], sid="EcrPushThisRepository"),
    ]


def service_rollout_statements(
    service_arn: pulumi.Input[str], pass_role_arns: Sequence[pulumi.Input[str]]
) -> list[Statement]:
    return [
        # Register/DescribeTaskDefinition accept no resource ARN and no condition key that names a family;
        # what bounds them is PassRole below (only this service's two roles) and UpdateService on one service.
        statement(
            ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"],
            ["*"],
            sid="RegisterTaskDefinitions",
        ),
        statement(["ecs:DescribeServices", "ecs:UpdateService"], [service_arn], sid="RollThisService"),
        statement(
            ["iam:PassRole"],
            list(pass_role_arns),
            sid="PassOnlyThisServicesRoles",
            conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        ),
    ]


@dataclass(frozen=True)
class IamScope:
    """Where the stack's IAM lives: its account, partition, role path and the boundary its roles carry."""

    account_id: str
    """The 12-digit account."""
    partition: str
    """`aws`, `aws-cn` or `aws-us-gov`."""
    role_path: str
    """The stack's role path, e.g. `/socialclub-production/`."""
    boundary_arn: str
    """The account's workload permissions boundary (the bootstrap's)."""


def infra_iam_statements(
    scope: IamScope,
    *,
    self_arn: pulumi.Input[str],
    attachable_policy_arns: Sequence[str],
    owned_policy_names: Sequence[str] = (),
) -> list[Statement]:
    """The IAM part of `pulumi up`, fenced so that CI cannot make itself an administrator:

    - roles only under the stack's path (`role/<path>*`), whatever tags another role carries;
    - create, put, attach and detach only on roles that carry the boundary (`iam:PermissionsBoundary`), which
      no statement here may remove or change: whatever the stack grants a role is cut to the boundary;
    - managed policies: only the listed AWS ones attached; only the named policies the stack owns written;
    - PassRole only to the stack's services; never itself; never assume another role.
    """

    boundary_arn, role_path = scope.boundary_arn, scope.role_path

    def iam_arn(resource: str) -> str:
        return f"arn:{scope.partition}:iam::{scope.account_id}:{resource}"

    roles = iam_arn(f"role{role_path}*")
    bounded = {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}}
    owned = [iam_arn(f"policy{role_path}{policy}") for policy in owned_policy_names]
    statements = [
        statement(IAM_READ_ACTIONS, [iam_arn("role/*"), iam_arn("policy/*")], sid="ReadIam"),
        statement(
            [a for a in BOUNDED_ROLE_ACTIONS if a not in ("iam:AttachRolePolicy", "iam:DetachRolePolicy")],
            [roles],
            sid="RolesOnlyWithTheBoundary",
            conditions=bounded,
        ),
        statement(
            ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            [roles],
            sid="AttachOnlyListedPoliciesToBoundedRoles",
            conditions={**bounded, "ArnLike": {"iam:PolicyARN": [*attachable_policy_arns, *owned]}},
        ),
        statement(PATH_ROLE_ACTIONS, [roles], sid="RolesOnlyUnderTheStacksPath"),
        statement(
            ["iam:PassRole"],
            [roles],
            sid="PassRolesOnlyToTheStacksServices",
            conditions={"StringEquals": {"iam:PassedToService": list(PASSABLE_TO_SERVICES)}},
        ),
        statement(["iam:DeleteRolePermissionsBoundary"], ["*"], sid="NeverRemoveABoundary", effect="Deny"),
        statement(
            ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
            [boundary_arn],
            sid="NeverEditTheBoundary",
            effect="Deny",
        ),
        statement(SELF_PROTECTED_ACTIONS, [self_arn], sid="NeverChangeItself", effect="Deny"),
        # PowerUserAccess allows sts:AssumeRole on every role: `pulumi up` assumes none, and a role elsewhere in
        # the account that trusts the account root would otherwise be one hop away.
        statement(["sts:AssumeRole"], ["*"], sid="NeverAssumeAnotherRole", effect="Deny"),
    ]
    if owned:
        statements.insert(4, statement(OWNED_POLICY_ACTIONS, owned, sid="OnlyTheStacksOwnPolicies"))
    return statements


# What one stack's `pulumi up` may not do to a resource tagged for another stack of the account: read its data,
# change, retag or delete it. Resources without the tag in their authorization context (shared ones: the zone,
# the repository, the state bucket) are fenced by the statements that follow instead.
OTHER_STACK_DENIED_ACTIONS = (
    "acm:DeleteCertificate",
    "cloudfront:DeleteDistribution",
    "cloudfront:UpdateDistribution",
    "dynamodb:DeleteItem",
    "dynamodb:DeleteTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
    "dynamodb:UpdateTable",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteSubnet",
    "ec2:DeleteVpc",
    "ecs:DeleteService",
    "ecs:RunTask",
    "ecs:UpdateService",
    "elasticache:DeleteReplicationGroup",
    "elasticache:ModifyReplicationGroup",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:ModifyListener",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DisableKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:ScheduleKeyDeletion",
    "rds:DeleteDBInstance",
    "rds:ModifyDBInstance",
    "rds:RebootDBInstance",
    "route53:DeleteHealthCheck",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "secretsmanager:DeleteSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "sns:DeleteTopic",
    "sns:SetTopicAttributes",
)
# Removing the stack tag is how a resource would slip out of the fence above: no stack may, on anything (the
# provider never removes it from its own resources). Route 53 tags health checks with one action that adds and
# removes alike (ChangeTagsForResource), so it cannot be fenced by the tag keys without refusing creation.
TAG_REMOVAL_ACTIONS = (
    "acm:RemoveTagsFromCertificate",
    "cloudfront:UntagResource",
    "cloudwatch:UntagResource",
    "dynamodb:UntagResource",
    "ec2:DeleteTags",
    "ecr:UntagResource",
    "ecs:UntagResource",
    "elasticache:RemoveTagsFromResource",
    "elasticloadbalancing:RemoveTags",
    "events:UntagResource",
    "kms:UntagResource",
    "logs:UntagResource",
    "rds:RemoveTagsFromResource",
    "s3:DeleteBucketTagging",
    "scheduler:UntagResource",
    "secretsmanager:UntagResource",
    "sns:UntagResource",
    "tag:UntagResources",
)
# The account's ECR repository is the bootstrap's: CI pushes to it and reads it, never reshapes or empties it.
REPOSITORY_ADMIN_ACTIONS = (
    "ecr:BatchDeleteImage",
    "ecr:DeleteLifecyclePolicy",
    "ecr:DeleteRepository",
    "ecr:DeleteRepositoryPolicy",
    "ecr:PutImageTagMutability",
    "ecr:PutLifecyclePolicy",
    "ecr:SetRepositoryPolicy",
)
STATE_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject")


def state_paths(project: str, stack: str) -> list[str]:
    """The objects of one stack in a Pulumi DIY backend (pulumi/pulumi pkg/backend/diy store.go and lock.go):
    its checkpoint, history, backups, journal and locks, and the backend's meta file."""
    return [
        ".pulumi/meta.yaml",
        f".pulumi/stacks/{project}/{stack}.json*",
        f".pulumi/history/{project}/{stack}/*",
        f".pulumi/backups/{project}/{stack}/*",
        f".pulumi/journal/{project}/{stack}/*",
        f".pulumi/locks/organization/{project}/{stack}/*",
    ]


@dataclass(frozen=True)
class StackFence:
    """What tells this stack's resources from another's in a shared account."""

    stack: str
    """The Pulumi stack's name, e.g. `production`: the value of the stack tag and a level of its state keys."""
    tag_key: str
    """The provider default tag whose value is the stack name (e.g. `Stack`)."""
    project: str
    """The Pulumi project, a level of the state's object keys."""
    state_bucket: str
    """The DIY backend's bucket; the stack may read and write only its own objects in it."""
    bucket_prefix: str
    """Every bucket the stack creates is named with it (e.g. `socialclub-production-`)."""
    record_names: Sequence[str]
    """The DNS names the stack publishes in the shared zone (validation records included, wildcards allowed)."""


def isolation_statements(fence: StackFence, partition: str) -> list[Statement]:
    """Deny one stack's deploy role what would let it read or damage another stack of the same account."""
    tag = f"aws:ResourceTag/{fence.tag_key}"
    own_objects = [
        f"arn:{partition}:s3:::{fence.state_bucket}/{path}" for path in state_paths(fence.project, fence.stack)
    ]
    return [
        statement(
            OTHER_STACK_DENIED_ACTIONS,
            ["*"],
            sid="NeverTouchOtherStacks",
            effect="Deny",
            conditions={"StringNotEquals": {tag: fence.stack}, "Null": {tag: "false"}},
        ),
        statement(
            TAG_REMOVAL_ACTIONS,
            ["*"],
            sid="NeverRemoveStackTags",
            effect="Deny",
            conditions={"ForAnyValue:StringEquals": {"aws:TagKeys": [fence.tag_key]}},
        ),
        # No stack's CI reads a database master password (RDS names those secrets `rds!...`); administrators do.
        statement(
            ["secretsmanager:GetSecretValue"],
            ["arn:*:secretsmanager:*:*:secret:rds!*"],
            sid="NoMasterPasswords",
            effect="Deny",
        ),
        statement(REPOSITORY_ADMIN_ACTIONS, ["*"], sid="NeverReshapeTheRepository", effect="Deny"),
        # NotResource: objects anywhere but this stack's own state and its own buckets.
        {
            "Sid": "OnlyItsOwnStateAndBuckets",
            "Effect": "Deny",
            "Action": list(STATE_OBJECT_ACTIONS),
            "NotResource": [*own_objects, f"arn:{partition}:s3:::{fence.bucket_prefix}*"],
        },
        statement(
            ["route53:ChangeResourceRecordSets"],
            ["*"],
            sid="OnlyItsOwnRecords",
            effect="Deny",
            conditions={
                "ForAnyValue:StringNotLike": {
                    "route53:ChangeResourceRecordSetsNormalizedRecordNames": sorted(fence.record_names)
                }
            },
        ),
        statement(
            ["route53:DeleteHostedZone", "route53:DisableHostedZoneDNSSEC", "route53:UpdateHostedZoneComment"],
            ["*"],
            sid="NeverReshapeTheZone",
            effect="Deny",
        ),
    ]


@dataclass(frozen=True)
class GithubDeployRolesArgs:
    context: AwsContext
    """The stack's account, region, partition, role path and permissions boundary (AwsContext.lookup); no default."""
    name_prefix: str
    """Leads the role names, e.g. `socialclub-production` -> `socialclub-production-app-deploy`."""
    settings: GithubDeployRolesSettings
    """Who may assume each role (their GitHub `sub` claims), the OIDC provider, the longest session (the
    `socialclub:deploy` section); no default: the subjects have none."""
    fence: StackFence | None = None
    """How this stack is told from the others of its account (see `isolation_statements`); None: the account
    holds this stack only, and no fence is written."""
    attachable_policy_arns: Sequence[str] = ()
    """AWS managed policies `pulumi up` may attach to this stack's roles, ARN patterns allowed; default: AWS's
    service-role policies."""
    owned_policy_names: Sequence[str] = ()
    """Names of the customer-managed policies the stack creates under its role path (default none); the infra
    role may write and attach exactly these."""


class GithubDeployRoles(pulumi.ComponentResource):
    app_role: aws.iam.Role
    infra_role: aws.iam.Role
    app_role_arn: pulumi.Output[str]
    infra_role_arn: pulumi.Output[str]
    provider_arn: pulumi.Output[str]

    def __init__(self, name: str, args: GithubDeployRolesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:deploy:GithubDeployRoles", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        settings = args.settings
        app_claim, infra_claim = settings.app_deploy.claim, settings.infra_deploy.claim
        if settings.create_oidc_provider:
            self.provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-github",
                url=f"https://{GITHUB_OIDC_HOST}",
                client_id_lists=[STS_AUDIENCE],
                # No thumbprint: IAM validates GitHub's certificate against its own trusted CAs.
                opts=child,
            ).arn
        else:
            # Named, not looked up: the data source lists every provider of the account first
            # (iam:ListOpenIDConnectProviders), which neither CI role may do.
            self.provider_arn = ctx.account_id.apply(lambda account: oidc_provider_arn(ctx.partition, account))

        if ctx.permissions_boundary is None:
            raise ValueError(f"GithubDeployRoles {name}: the context names no permissions boundary to fence CI with")
        boundary = ctx.permissions_boundary
        self.app_role = ctx.role(
            f"{name}-app-deploy",
            name=f"{args.name_prefix}-app-deploy",
            description=f"Release the app: image, service, frontend; GitHub Actions {app_claim}",
            assume_role_policy=github_trust_policy(self.provider_arn, app_claim),
            max_session_duration=settings.max_session_seconds,
            opts=child,
        )
        # The one role without the boundary (it must create roles): an administrator creates it in the stack's
        # first `pulumi up`, and it may never change itself.
        self.infra_role = aws.iam.Role(
            f"{name}-infra-deploy",
            name=f"{args.name_prefix}-infra-deploy",
            path=ctx.role_path,
            description=f"pulumi up of this stack; GitHub Actions {infra_claim}",
            assume_role_policy=github_trust_policy(self.provider_arn, infra_claim),
            max_session_duration=settings.max_session_seconds,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-infra-deploy-power-user",
            role=self.infra_role.name,
            policy_arn=f"arn:{ctx.partition}:iam::aws:{POWER_USER_POLICY}",
            opts=child,
        )
        attachable = list(args.attachable_policy_arns) or [f"arn:{ctx.partition}:iam::aws:policy/service-role/*"]
        infra_iam: pulumi.Output[str] = pulumi.Output.all(ctx.account_id, boundary).apply(
            lambda values: document(
                *infra_iam_statements(
                    IamScope(
                        account_id=values[0], partition=ctx.partition, role_path=ctx.role_path, boundary_arn=values[1]
                    ),
                    self_arn=self.infra_role.arn,
                    attachable_policy_arns=attachable,
                    owned_policy_names=args.owned_policy_names,
                ),
            )
        )
        aws.iam.RolePolicy(f"{name}-infra-deploy-iam", role=self.infra_role.id, policy=infra_iam, opts=child)
        if args.fence is not None:
            aws.iam.RolePolicy(
                f"{name}-infra-deploy-isolation",
                role=self.infra_role.id,
                policy=json.dumps(
                    {"Version": "2012-10-17", "Statement": isolation_statements(args.fence, ctx.partition)}
                ),
                opts=child,
            )
        self.app_role_arn = self.app_role.arn
        self.infra_role_arn = self.infra_role.arn
        self.register_outputs(
            {"appRoleArn": self.app_role_arn, "infraRoleArn": self.infra_role_arn, "providerArn": self.provider_arn}
        )

    def grant_image_push(self, repository_arn: pulumi.Input[str]) -> aws.iam.RolePolicy:
        """The app-deploy role may push (and read back) images of this one repository."""
        return aws.iam.RolePolicy(
            f"{self._name}-app-deploy-ecr",
            role=self.app_role.id,
            policy=document(*ecr_push_statements(repository_arn)),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def grant_service_rollout(
        self, service_arn: pulumi.Input[str], pass_role_arns: Sequence[pulumi.Input[str]]
    ) -> aws.iam.RolePolicy:
        """The app-deploy role may register task definitions that run as `pass_role_arns` and roll one service."""
        return aws.iam.RolePolicy(
            f"{self._name}-app-deploy-ecs",
            role=self.app_role.id,
            policy=document(*service_rollout_statements(service_arn, pass_role_arns)),
            opts=pulumi.ResourceOptions(parent=self),
        )
