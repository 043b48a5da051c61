"""SocialClub infrastructure: validated stack config in, components wired together, outputs exported.

Components never read config; this file turns the validated StackConfig into their typed arguments.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from catalog import SECRETS
from components.aws_context import AwsContext
from components.kms_key import KmsKey, KmsKeyArgs
from components.secret_set import SecretSet, SecretSetArgs
from components.vpc import Vpc, VpcArgs
from stackconfig import ConfigError, read_pulumi_config

try:
    config = read_pulumi_config()
except ConfigError as error:
    # RunError ends the program with the message alone: one line per problem, no traceback.
    raise pulumi.RunError(f"invalid stack config ({len(error.lines)} problems):\n" + str(error)) from None

stack = pulumi.get_stack()
env_name = f"{config.name_prefix}-{stack}"
log_prefix = f"/{config.name_prefix}/{stack}/"

provider = aws.Provider(
    "aws",
    region=config.region,
    default_tags=aws.ProviderDefaultTagsArgs(
        tags={
            **config.tags,
            "Project": config.name_prefix,
            "Environment": config.environment,
            "Stack": stack,
            "Owner": config.owner,
            "ManagedBy": "pulumi",
        }
    ),
)
opts = pulumi.ResourceOptions(providers=[provider])
context = AwsContext.lookup(config.region, pulumi.InvokeOutputOptions(provider=provider))

# --- foundation: key, network, secrets ---------------------------------------------------------------------
kms = KmsKey(
    "kms",
    KmsKeyArgs(
        context=context,
        alias=env_name,
        deletion_window_days=config.kms.deletion_window_days,
        log_group_prefixes=[
            log_prefix,
            f"/aws/vpc/{env_name}/",
            f"/aws/ecs/{env_name}",
            f"/aws/rds/instance/{env_name}",
            f"/aws/elasticache/{env_name}",
            f"/aws/lambda/{env_name}",
        ],
        description=f"{env_name}: encrypts logs, secrets, databases, caches, tables, buckets and topics",
    ),
    opts,
)

net = config.network
network = Vpc(
    "network",
    VpcArgs(
        context=context,
        cidr_block=str(net.cidr),
        availability_zones=net.availability_zones,
        public_subnet_cidrs=[str(s) for s in net.public_subnets],
        private_subnet_cidrs=[str(s) for s in net.private_subnets],
        data_subnet_cidrs=[str(s) for s in net.data_subnets],
        nat_strategy=net.nat_gateways,
        kms_key_arn=kms.arn,
        flow_log_group_name=f"/aws/vpc/{env_name}/flow-logs",
        flow_log_retention_days=net.flow_logs_retention_days,
        flow_log_traffic=net.flow_logs_traffic,
    ),
    opts,
)

secrets = SecretSet(
    "secrets",
    SecretSetArgs(
        context=context,
        path_prefix=f"{config.name_prefix}/{stack}",
        kms_key_arn=kms.arn,
        specs=SECRETS,
        values=config.secrets.values,
        recovery_window_days=config.secrets.recovery_window_days,
        manual_rotation_days=config.secrets.api_key_rotation_days,
        rotation_owner=config.secrets.rotation_owner,
    ),
    opts,
)

# --- data tier: PostgresDb, RedisCluster, RealtimeTables (issue 3) ------------------------------------------

# --- edge part 1: DNS zone and certificates (issue 4) --------------------------------------------------------

# --- backend: FargateService with ECR and the ALB (issue 4) ---------------------------------------------------

# --- edge part 2: CdnSite, DNS records, health checks, GitHub deploy roles (issue 4) -------------------------

# --- observability: alerting, alarms, dashboards (issue 5) ---------------------------------------------------

# --- outputs -----------------------------------------------------------------------------------------------
pulumi.export("vpcId", network.vpc_id)
pulumi.export("kmsKeyArn", kms.arn)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("secretArns", {key: s.arn for key, s in secrets.secrets.items()})
