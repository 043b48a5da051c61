"""StateBackend: the S3 bucket that holds Pulumi state and the KMS key that encrypts it and the stacks' secrets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi import Input, Output, ResourceOptions
from pulumi_aws.s3 import (
    BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs as AbortMultipartArgs,
)
from pulumi_aws.s3 import (
    BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs as NoncurrentExpirationArgs,
)
from pulumi_aws.s3 import (
    BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs as SseByDefaultArgs,
)

from components.github_deploy_roles import state_paths

TLS_ONLY_SID = "DenyInsecureTransport"
PROTECTED = ResourceOptions(protect=True)
"""Losing the bucket or the key loses every stack's state or secrets: `pulumi destroy` must not do it."""


def state_bucket_policy(bucket_arn: str) -> dict[str, Any]:
    """Deny any request that does not use TLS.

    Nothing here requires SSE headers on uploads: Pulumi's S3 backend sends none (pulumi/pulumi#9341), so a
    deny on `s3:x-amz-server-side-encryption` would refuse every state write with 403. The bucket's default
    encryption puts every object under the secrets key whatever the request says.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": TLS_ONLY_SID,
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def secrets_key_policy(account_id: str, partition: str) -> dict[str, Any]:
    """The key policy AWS writes by default, stated explicitly so reviewers see it.

    It delegates access to IAM: the account root (not every principal in it) may administer and use the key,
    and only identity policies that name this key (the deploy and preview roles) grant use of it.
    Without this statement the key could become unmanageable.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnableIamPolicies",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def state_reader_policy(
    bucket_arn: str, bucket_key_arn: str, secrets_key_arns: Sequence[str], objects: Sequence[str], region: str
) -> dict[str, Any]:
    """What `pulumi preview` of some stacks needs from the backend: list the bucket, read those stacks' objects
    (the bucket key decrypts them, through S3 only) and decrypt their secrets with their own keys.

    A preview takes no lock on a DIY backend (only updates do) and writes nothing.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListState", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
            {
                "Sid": "ReadTheseStacksState",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [f"{bucket_arn}/{path}" for path in objects],
            },
            {
                "Sid": "DecryptStateObjectsThroughS3",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": bucket_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            },
            {
                "Sid": "DecryptTheseStacksSecrets",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": list(secrets_key_arns),
            },
        ],
    }


def _json(document: Output[dict[str, Any]]) -> Output[str]:
    return document.apply(lambda d: json.dumps(d, indent=2))


@dataclass(frozen=True)
class StateBackendArgs:
    bucket_name: Input[str]
    """Globally unique; the backend URL is `s3://<bucket_name>`."""
    key_alias: str
    """`alias/...` name of the secrets key; stacks use `awskms://<key_alias>?region=<region>`."""
    region: str
    """Region of the bucket and the key, written into the backend and secrets-provider URLs."""
    noncurrent_version_days: int = 90
    """Days a superseded state version is kept."""
    newer_noncurrent_versions: int = 20
    """Old versions of each state file kept whatever their age."""
    key_deletion_window_days: int = 30
    """Waiting period before a scheduled key deletion takes effect."""
    stacks: Sequence[str] = ()
    """Stacks that get a secrets-provider key of their own (`<key_alias>-<stack>`), so no stack's deploy or
    preview role can decrypt another's secrets; the shared key then only encrypts the bucket."""


class StateBackend(pulumi.ComponentResource):
    """A private, versioned, TLS-only S3 bucket encrypted with a rotating KMS key (SSE-KMS with bucket key)."""

    key: aws.kms.Key
    alias: aws.kms.Alias
    bucket: aws.s3.Bucket
    bucket_name: Output[str]
    bucket_arn: Output[str]
    key_arn: Output[str]
    backend_url: Output[str]
    secrets_provider: Output[str]

    def __init__(self, name: str, args: StateBackendArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("socialclub:bootstrap:StateBackend", name, None, opts)
        self._base_name = name
        child = ResourceOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))

        self.key = aws.kms.Key(
            f"{name}-key",
            description="Pulumi secrets provider and state bucket encryption (socialclub)",
            enable_key_rotation=True,
            deletion_window_in_days=args.key_deletion_window_days,
            policy=_json(
                Output.all(identity.account_id, partition.partition).apply(lambda v: secrets_key_policy(v[0], v[1]))
            ),
            opts=child.merge(PROTECTED),
        )
        self.alias = aws.kms.Alias(f"{name}-alias", name=args.key_alias, target_key_id=self.key.key_id, opts=child)
        self.stack_keys: dict[str, aws.kms.Key] = {}
        self.stack_secrets_providers: dict[str, Output[str]] = {}
        for stack in args.stacks:
            stack_key = aws.kms.Key(
                f"{name}-key-{stack}",
                description=f"Pulumi secrets provider of the {stack} stack (socialclub)",
                enable_key_rotation=True,
                deletion_window_in_days=args.key_deletion_window_days,
                policy=_json(
                    Output.all(identity.account_id, partition.partition).apply(lambda v: secrets_key_policy(v[0], v[1]))
                ),
                # The deploy roles' fence denies using a key tagged for another stack.
                tags={"Stack": stack},
                opts=child.merge(PROTECTED),
            )
            stack_alias = aws.kms.Alias(
                f"{name}-alias-{stack}", name=f"{args.key_alias}-{stack}", target_key_id=stack_key.key_id, opts=child
            )
            self.stack_keys[stack] = stack_key
            self.stack_secrets_providers[stack] = stack_alias.name.apply(
                lambda alias: f"awskms://{alias}?region={args.region}"
            )

        self.bucket = aws.s3.Bucket(
            f"{name}-bucket", bucket=args.bucket_name, force_destroy=False, opts=child.merge(PROTECTED)
        )
        bucket_id = self.bucket.id
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=SseByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=self.key.arn
                    ),
                    # One data key per bucket instead of one KMS call per object: cheaper, same protection.
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=_json(self.bucket.arn.apply(state_bucket_policy)),
            # S3 rejects a bucket policy while the public access block is being written.
            opts=child.merge(ResourceOptions(depends_on=[public_access, ownership])),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-state",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=NoncurrentExpirationArgs(
                        noncurrent_days=args.noncurrent_version_days,
                        newer_noncurrent_versions=args.newer_noncurrent_versions,
                    ),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True),
                    abort_incomplete_multipart_upload=AbortMultipartArgs(days_after_initiation=7),
                )
            ],
            opts=child,
        )

        self.bucket_name = self.bucket.bucket
        self.bucket_arn = self.bucket.arn
        self.key_arn = self.key.arn
        self.backend_url = Output.concat("s3://", self.bucket.bucket, f"?region={args.region}")
        self.secrets_provider = self.alias.name.apply(lambda alias: f"awskms://{alias}?region={args.region}")
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "bucketArn": self.bucket_arn,
                "keyArn": self.key_arn,
                "backendUrl": self.backend_url,
                "secretsProvider": self.secrets_provider,
                "stackSecretsProviders": self.stack_secrets_providers,
            }
        )
        self._region = args.region

    def grant_read(
        self, role: aws.iam.Role, project: str, stacks: Sequence[str], *, label: str = "preview"
    ) -> aws.iam.RolePolicy:
        """Let `role` read the state of `stacks` of `project` and decrypt their secrets, as `pulumi preview`
        does; nothing of any other stack."""
        missing = sorted(set(stacks) - set(self.stack_keys))
        if missing:
            raise ValueError(f"StateBackend: no secrets key for {missing}; add them to the backend's stacks")
        objects = [path for stack in stacks for path in state_paths(project, stack)]
        keys = [self.stack_keys[stack].arn for stack in stacks]
        return aws.iam.RolePolicy(
            f"{self._base_name}-read-{label}",
            role=role.id,
            policy=_json(
                Output.all(self.bucket_arn, self.key_arn, Output.all(*keys)).apply(
                    lambda v: state_reader_policy(v[0], v[1], v[2], objects, self._region)
                )
            ),
            opts=ResourceOptions(parent=self),
        )
