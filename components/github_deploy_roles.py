"""GithubDeployRoles: the roles GitHub Actions assumes through OIDC to deploy this stack.

- app-deploy: what an application release does (push the image to this repository, register the task
  definition and roll this service, publish the frontend, invalidate the distribution). Grants come as verbs
  (`allow_image_push`, `allow_service_rollout`, and the site's `grant_deploy`), each scoped to one resource.
- infra-deploy: what `pulumi up` does. It creates and changes nearly every kind of resource, so it is broad by
  nature: AWS's PowerUserAccess (everything but IAM, Organizations and Account) plus IAM limited to roles and
  policies carrying this stack's tags, never its own role (an administrator changes that), and no destructive
  action on another stack's tagged resources (stacks may share an account).

Both trust exactly one GitHub `sub` claim with the STS audience: no wildcard in the trust policy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, document, statement
from stackconfig.github import GITHUB_OIDC_HOST, STS_AUDIENCE, checked_subjects, oidc_provider_arn, trust_policy

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
    "iam:GetOpenIDConnectProvider",
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
IAM_ROLE_WRITE_ACTIONS = (
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:PassRole",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
IAM_POLICY_WRITE_ACTIONS = (
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
# The infra-deploy role changing itself could widen its own trust or permissions: denied even though it carries
# the stack's tags. Changes to it are applied by an administrator (docs/first-deploy.md). The app-deploy role
# is not listed: the stack manages its inline policies, and what it may do is a subset of the infra role's.
SELF_PROTECTED_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
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


def infra_iam_statements(
    *,
    account_id: str,
    partition: str,
    stack_tags: Mapping[str, str],
    protected_role_arns: Sequence[pulumi.Input[str]],
    attachable_policy_arns: Sequence[str],
) -> list[Statement]:
    """The IAM part of `pulumi up`: only roles and policies tagged as this stack's (the provider's default
    tags put them on every role it creates), only the listed managed policies attached, never the deploy
    roles themselves."""

    def iam_arn(resource: str) -> str:
        return f"arn:{partition}:iam::{account_id}:{resource}"

    roles, policies = iam_arn("role/*"), iam_arn("policy/*")
    request_tags = {f"aws:RequestTag/{k}": v for k, v in sorted(stack_tags.items())}
    resource_tags = {f"aws:ResourceTag/{k}": v for k, v in sorted(stack_tags.items())}
    return [
        statement(IAM_READ_ACTIONS, [roles, policies, iam_arn("oidc-provider/*")], sid="ReadIam"),
        statement(
            ["iam:CreatePolicy", "iam:CreateRole", "iam:TagPolicy", "iam:TagRole"],
            [roles, policies],
            sid="CreateStackTaggedIam",
            conditions={"StringEquals": request_tags},
        ),
        statement(
            IAM_ROLE_WRITE_ACTIONS, [roles], sid="ChangeStackTaggedRoles", conditions={"StringEquals": resource_tags}
        ),
        statement(
            IAM_POLICY_WRITE_ACTIONS,
            [policies],
            sid="ChangeStackTaggedPolicies",
            conditions={"StringEquals": resource_tags},
        ),
        statement(
            ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            [roles],
            sid="AttachOnlyListedPolicies",
            conditions={"StringEquals": resource_tags, "ArnLike": {"iam:PolicyARN": list(attachable_policy_arns)}},
        ),
        statement(SELF_PROTECTED_ACTIONS, list(protected_role_arns), sid="NeverChangeItself", effect="Deny"),
    ]


# Destructive or takeover actions on the stateful and edge resources; denied on another stack's resources.
OTHER_STACK_DENIED_ACTIONS = (
    "cloudfront:DeleteDistribution",
    "cloudfront:UpdateDistribution",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "ecs:DeleteService",
    "ecs:UpdateService",
    "elasticache:DeleteReplicationGroup",
    "elasticache:ModifyReplicationGroup",
    "elasticloadbalancing:DeleteLoadBalancer",
    "kms:DisableKey",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "rds:DeleteDBInstance",
    "rds:ModifyDBInstance",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "secretsmanager:DeleteSecret",
    "secretsmanager:PutSecretValue",
)


def other_stacks_guard(tag_key: str, stack: str) -> Statement:
    """When stacks share an account, PowerUserAccess would let one stack's `pulumi up` delete another's data:
    deny the destructive actions on resources tagged for another stack. Resources (or services) without the
    tag in their authorization context are unaffected: shared ones like the hosted zone and the repository."""
    return statement(
        OTHER_STACK_DENIED_ACTIONS,
        ["*"],
        sid="NeverTouchOtherStacks",
        effect="Deny",
        conditions={
            "StringNotEquals": {f"aws:ResourceTag/{tag_key}": stack},
            "Null": {f"aws:ResourceTag/{tag_key}": "false"},
        },
    )


@dataclass(frozen=True)
class GithubSubject:
    repository: str
    """`owner/name`."""
    claim: str
    """The exact `sub` claim, e.g. `repo:owner/name:environment:production`."""


@dataclass(frozen=True)
class GithubDeployRolesArgs:
    context: AwsContext
    name_prefix: str
    """Leads the role names, e.g. `socialclub-production` -> `socialclub-production-app-deploy`."""
    app_deploy: GithubSubject
    infra_deploy: GithubSubject
    stack_tags: Mapping[str, str]
    """Tags the provider puts on every resource of this stack (e.g. Project, Stack); the infra role may
    change only IAM roles and policies carrying all of them."""
    stack_tag_key: str = "Stack"
    """The one of `stack_tags` that tells stacks apart: destructive actions on resources where it holds another
    value are denied to the infra role."""
    create_oidc_provider: bool = False
    """Create the account's GitHub OIDC provider (one per account); default: use the bootstrap's, by its ARN."""
    attachable_policy_arns: Sequence[str] = ()
    """Managed policies `pulumi up` may attach to this stack's roles, ARN patterns allowed; default: AWS's
    service-role policies."""
    max_session_seconds: int = 7200
    """Longest session either role grants; a deploy job must end inside it (default two hours)."""


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
        if args.stack_tag_key not in args.stack_tags:
            raise ValueError(f"GithubDeployRoles {name}: stack_tags has no {args.stack_tag_key!r}")
        if args.app_deploy.claim == args.infra_deploy.claim:
            raise ValueError(f"GithubDeployRoles {name}: app and infra roles must trust different subjects")
        if args.create_oidc_provider:
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

        def role(label: str, subject: GithubSubject, purpose: str) -> aws.iam.Role:
            return aws.iam.Role(
                f"{name}-{label}",
                name=f"{args.name_prefix}-{label}",
                description=f"{purpose}; GitHub Actions {subject.claim}",
                assume_role_policy=github_trust_policy(self.provider_arn, subject.claim),
                max_session_duration=args.max_session_seconds,
                opts=child,
            )

        self.app_role = role("app-deploy", args.app_deploy, "Release the app: image, service, frontend")
        self.infra_role = role("infra-deploy", args.infra_deploy, "pulumi up of this stack")
        aws.iam.RolePolicyAttachment(
            f"{name}-infra-deploy-power-user",
            role=self.infra_role.name,
            policy_arn=f"arn:{ctx.partition}:iam::aws:{POWER_USER_POLICY}",
            opts=child,
        )
        attachable = list(args.attachable_policy_arns) or [f"arn:{ctx.partition}:iam::aws:policy/service-role/*"]
        infra_iam: pulumi.Output[str] = ctx.account_id.apply(
            lambda account: document(
                *infra_iam_statements(
                    account_id=account,
                    partition=ctx.partition,
                    stack_tags=args.stack_tags,
                    protected_role_arns=[self.infra_role.arn],
                    attachable_policy_arns=attachable,
                ),
                other_stacks_guard(args.stack_tag_key, args.stack_tags[args.stack_tag_key]),
            )
        )
        aws.iam.RolePolicy(f"{name}-infra-deploy-iam", role=self.infra_role.id, policy=infra_iam, opts=child)
        self.app_role_arn = self.app_role.arn
        self.infra_role_arn = self.infra_role.arn
        self.register_outputs(
            {"appRoleArn": self.app_role_arn, "infraRoleArn": self.infra_role_arn, "providerArn": self.provider_arn}
        )

    def allow_image_push(self, repository_arn: pulumi.Input[str]) -> aws.iam.RolePolicy:
        """The app-deploy role may push (and read back) images of this one repository."""
        return aws.iam.RolePolicy(
            f"{self._name}-app-deploy-ecr",
            role=self.app_role.id,
            policy=document(*ecr_push_statements(repository_arn)),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def allow_service_rollout(
        self, service_arn: pulumi.Input[str], pass_role_arns: Sequence[pulumi.Input[str]]
    ) -> aws.iam.RolePolicy:
        """The app-deploy role may register task definitions that run as `pass_role_arns` and roll one service."""
        return aws.iam.RolePolicy(
            f"{self._name}-app-deploy-ecs",
            role=self.app_role.id,
            policy=document(*service_rollout_statements(service_arn, pass_role_arns)),
            opts=pulumi.ResourceOptions(parent=self),
        )
