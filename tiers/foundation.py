"""Foundation: the provider, the account context, the stack key, the network and the secrets (docs/requirements.md
§5.1, §6.3, §6.4)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.kms_key import KmsKey, KmsKeyArgs
from components.secret_set import SecretSet, SecretSetArgs
from components.vpc import Vpc, VpcArgs
from stackconfig import StackConfig
from stackconfig.iam import boundary_arn, role_path


@dataclass(frozen=True)
class Foundation:
    """What every later tier builds on."""

    config: StackConfig
    stack: str
    env_name: str
    """`<namePrefix>-<stack>`: leads every physical name."""
    log_roots: dict[str, str]
    """The name prefix of every log group, by service (the key encrypts logs under these names only)."""
    opts: pulumi.ResourceOptions
    """The stack's provider: every component is declared with it."""
    context: AwsContext
    kms: KmsKey
    network: Vpc
    secrets: SecretSet


def build_foundation(config: StackConfig, stack: str) -> Foundation:
    env_name, log_roots = config.env_name(stack), config.log_roots(stack)
    provider = aws.Provider(
        "aws",
        region=config.region,
        allowed_account_ids=[config.account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=config.default_tags(stack)),
    )
    opts = pulumi.ResourceOptions(providers=[provider])
    # Every role of the stack lives under its path and carries the account's boundary (the bootstrap's), so the
    # deploy role CI assumes can create and change them without being able to create an administrator.
    context = AwsContext.lookup(
        config.region,
        pulumi.InvokeOutputOptions(provider=provider),
        role_path=role_path(config.name_prefix, stack),
        permissions_boundary=lambda partition, account: boundary_arn(partition, account, config.name_prefix),
    )
    kms = KmsKey(
        "kms",
        KmsKeyArgs(
            context,
            alias=env_name,
            log_group_prefixes=list(log_roots.values()),
            alarm_prefix=f"{env_name}-",
            description=f"{env_name}: encrypts logs, secrets, databases, caches, tables, buckets and topics",
            settings=config.kms,
        ),
        opts,
    )
    network = Vpc("network", VpcArgs(context, kms.arn, f"{log_roots['vpc']}/flow-logs", settings=config.network), opts)
    secrets = SecretSet(
        "secrets",
        SecretSetArgs(context, f"{config.name_prefix}/{stack}", kms.arn, config.secret_specs, settings=config.secrets),
        opts,
    )
    return Foundation(config, stack, env_name, log_roots, opts, context, kms, network, secrets)
