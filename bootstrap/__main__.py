"""Account bootstrap: run once per AWS account, before the main stacks exist (see bootstrap/README.md)."""

import sys
from pathlib import Path

# `pulumi up` runs this file with bootstrap/ as the program directory; the imports below need the repo root,
# where `bootstrap` and the shared `stackconfig` package live.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi
import pulumi_aws as aws
import yaml
from pulumi import ResourceOptions

from bootstrap.config import BootstrapConfigError, read_bootstrap_config
from bootstrap.github_oidc import GithubOidc, GithubOidcArgs
from bootstrap.state_backend import StateBackend, StateBackendArgs
from components.container_registry import ContainerRegistry, ContainerRegistryArgs
from components.dns_zone import DnsZone, DnsZoneArgs
from stackconfig.edge import DnsZoneSettings
from stackconfig.iam import state_bucket_name

# The main program's project name: a level of its stacks' object keys in the state bucket.
MAIN_PROJECT = str(yaml.safe_load((Path(__file__).resolve().parent.parent / "Pulumi.yaml").read_text())["name"])

try:
    config = read_bootstrap_config()
except BootstrapConfigError as error:
    # RunError is reported by the engine as a plain message, without a Python traceback.
    raise pulumi.RunError(f"invalid bootstrap config:\n{error}") from None

provider = aws.Provider(
    "aws",
    region=config.region,
    allowed_account_ids=[config.account_id],
    default_tags=aws.ProviderDefaultTagsArgs(
        tags={
            **config.tags,
            "Project": config.name_prefix,
            "Environment": "account",
            "Owner": config.owner,
            "ManagedBy": "pulumi",
        }
    ),
)
with_provider = ResourceOptions(providers=[provider])

state = config.state
account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider)).account_id
backend = StateBackend(
    f"{config.name_prefix}-state",
    StateBackendArgs(
        bucket_name=state.bucket_name
        or account_id.apply(lambda account: state_bucket_name(config.name_prefix, account, config.region)),
        key_alias=f"alias/{config.name_prefix}-pulumi-secrets",
        stacks=state.stacks,
        region=config.region,
        noncurrent_version_days=state.noncurrent_version_days,
        newer_noncurrent_versions=state.newer_noncurrent_versions,
        key_deletion_window_days=state.key_deletion_window_days,
    ),
    opts=with_provider,
)
github = GithubOidc(
    f"{config.name_prefix}-github",
    GithubOidcArgs(create_provider=config.github.create_oidc_provider),
    opts=with_provider,
)

# The permissions boundary every role a stack creates must carry: created here, by an administrator, so no
# stack's deploy role can edit the fence it is held by.
boundary = github.add_workload_boundary(config.name_prefix)

# The GitHub project (github/) makes it the repository's AWS_REGION (previews, drift).
pulumi.export("awsRegion", config.region)
pulumi.export("stateBucketName", backend.bucket_name)
pulumi.export("stateBucketArn", backend.bucket_arn)
pulumi.export("backendUrl", backend.backend_url)
pulumi.export("secretsKeyArn", backend.key_arn)
pulumi.export("secretsProvider", backend.secrets_provider)
# One per stack of the main project: `pulumi stack init <stack> --secrets-provider <this>`.
pulumi.export("stackSecretsProviders", backend.stack_secrets_providers)
pulumi.export("githubOidcProviderArn", github.provider_arn)
pulumi.export("workloadBoundaryArn", boundary.arn)

repository = config.github.github_repository
if config.github.preview_role and repository is not None:
    preview_role = github.add_preview_role(repository)
    backend.grant_read(preview_role, MAIN_PROJECT, config.github.preview_stacks)
    pulumi.export("previewRoleArn", preview_role.arn)
if config.github.drift_role and repository is not None:
    drift_role = github.add_drift_role(repository, config.name_prefix)
    backend.grant_read(drift_role, MAIN_PROJECT, state.stacks, label="drift")
    pulumi.export("driftRoleArn", drift_role.arn)

if config.registry is not None:
    # Account-wide like the zone: both stacks run images from it, and the first image is pushed before the
    # first `pulumi up` of either stack.
    registry_component = ContainerRegistry(
        "ecr", ContainerRegistryArgs(kms_key_arn=backend.key_arn, settings=config.registry), opts=with_provider
    )
    pulumi.export("ecrRepositoryUrl", registry_component.ref.url)

if config.dns is not None:
    # The zone outlives every stack and is delegated by hand at the registrar: created here, protected.
    zone_settings = DnsZoneSettings(domain=config.dns.domain, create_zone=True, protect=True, mx=config.dns.mx)
    zone = DnsZone("dns", DnsZoneArgs(settings=zone_settings), opts=with_provider)
    if config.dns.dnssec:
        zone.sign(account_id)
    if config.dns.query_logging:
        zone.log_queries(account_id, config.dns.query_log_retention_days)
    pulumi.export("hostedZoneId", zone.zone_id)
    pulumi.export("hostedZoneNameServers", zone.name_servers)
