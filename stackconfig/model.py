"""The root of the stack config: every `socialclub:*` key of `Pulumi.<stack>.yaml`, validated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from stackconfig.aws_facts import WAF_LOG_GROUP_PREFIX
from stackconfig.base import ConfigModel, Problem, raise_problems
from stackconfig.catalog import secret_catalog
from stackconfig.cost import CostAssumptions
from stackconfig.data import DatabaseConfig, RealtimeTablesSettings, RedisClusterSettings, production_data_problems
from stackconfig.edge import CdnSiteSettings, DnsZoneSettings, GithubDeployRolesSettings
from stackconfig.network import VpcSettings
from stackconfig.observability import ObservabilityConfig, observability_problems
from stackconfig.security import KmsKeySettings, SecretSetSettings, SecretSpec, secret_key_problems
from stackconfig.sentry import ErrorTrackingSettings
from stackconfig.service import ServiceConfig, production_service_problems
from stackconfig.storage import StorageConfig
from stackconfig.waf import WebAclSettings, production_waf_problems

Environment = Literal["development", "staging", "production"]


class StackConfig(ConfigModel):
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    """From `aws:region`; every regional resource lands there."""
    account_id: str = Field(pattern=r"^\d{12}$")
    """The AWS account this stack deploys to (12 digits, quoted in YAML). The provider refuses credentials of any
    other account (`allowed_account_ids`), so a mistyped profile cannot deploy production into staging's account.
    One account per stack is the recommended layout; stacks sharing one are fenced from each other."""
    environment: Environment
    """`development`, `staging` or `production`; becomes the `Environment` tag. `production` adds the rules only
    production enforces: deletion protection and `protect` may not be turned off, Multi-AZ data stores, one NAT
    gateway per AZ, 30-day backups, WAF on, immutable image tags."""
    name_prefix: str = Field(default="socialclub", pattern=r"^[a-z][a-z0-9-]{1,19}$")
    """Leads every resource name, so several stacks can share one account."""
    owner: str = Field(min_length=1, max_length=256)
    """Team that owns the stack; becomes the `Owner` tag."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags applied to every taggable resource (on top of Project, Environment, Owner, ManagedBy)."""
    network: VpcSettings
    """The VPC (section `socialclub:network`, stackconfig/network.py)."""
    kms: KmsKeySettings = KmsKeySettings()
    """The stack key (section `socialclub:kms`, stackconfig/security.py)."""
    secrets: SecretSetSettings = SecretSetSettings()
    """The platform's secrets (section `socialclub:secrets`, stackconfig/security.py)."""
    database: DatabaseConfig
    """The PostgreSQL database and its migration task (section `socialclub:database`, stackconfig/data.py);
    required for the migration task's image."""
    cache: RedisClusterSettings = RedisClusterSettings()
    """The Redis cache (section `socialclub:cache`, stackconfig/data.py)."""
    tables: RealtimeTablesSettings = RealtimeTablesSettings()
    """The real-time DynamoDB tables (section `socialclub:tables`, stackconfig/data.py)."""
    dns: DnsZoneSettings
    """The domain, host names, certificates and health checks (section `socialclub:dns`, stackconfig/edge.py)."""
    frontend: CdnSiteSettings
    """The CloudFront distribution of the app (section `socialclub:frontend`, stackconfig/edge.py)."""
    deploy: GithubDeployRolesSettings
    """Who may deploy from GitHub (section `socialclub:deploy`, stackconfig/edge.py)."""
    service: ServiceConfig
    """The backend API on ECS Fargate and its load balancer (section `socialclub:service`, stackconfig/service.py)."""
    storage: StorageConfig = StorageConfig()
    """The log bucket and the Assets and Backend buckets (section `socialclub:storage`, stackconfig/storage.py)."""
    waf: WebAclSettings = WebAclSettings()
    """AWS WAF in front of CloudFront and the ALB (section `socialclub:waf`); production must turn it on."""
    observability: ObservabilityConfig
    """Alert recipients and alarm thresholds (section `socialclub:observability`)."""
    sentry: ErrorTrackingSettings = ErrorTrackingSettings()
    """The backend's Sentry project, alert rules and DSN (section `socialclub:sentry`); off by default."""
    cost: CostAssumptions = CostAssumptions()
    """Usage assumptions for the cost estimate (traffic, storage, requests); the resources fix everything else."""

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def env_name(self, stack: str) -> str:
        """`<namePrefix>-<stack>`, e.g. `socialclub-production`: leads the physical name of every resource."""
        return f"{self.name_prefix}-{stack}"

    def default_tags(self, stack: str) -> dict[str, str]:
        """The tags the provider puts on every taggable resource: `tags`, then the stack's own (`Stack` fences
        the deploy role when stacks share an account)."""
        return {
            **self.tags,
            "Project": self.name_prefix,
            "Environment": self.environment,
            "Stack": stack,
            "Owner": self.owner,
            "ManagedBy": "pulumi",
        }

    def log_roots(self, stack: str) -> dict[str, str]:
        """The name prefix of every log group of the stack, by service; the stack key lets CloudWatch Logs encrypt
        for these names only. RDS's is fixed by AWS (`/aws/rds/instance/<id>/`); WAF logs only to groups named
        `aws-waf-logs-*`."""
        env = self.env_name(stack)
        return {
            "vpc": f"/aws/vpc/{env}",
            "ecs": f"/aws/ecs/{env}",
            "rds": f"/aws/rds/instance/{env}",
            "elasticache": f"/aws/elasticache/{env}",
            "waf": f"{WAF_LOG_GROUP_PREFIX}{env}",
        }

    @property
    def secret_specs(self) -> tuple[SecretSpec, ...]:
        """This stack's secrets and who provides each (the Sentry DSN is the program's when it manages Sentry)."""
        return secret_catalog(sentry_managed=self.sentry.enabled)

    @model_validator(mode="after")
    def _cross_section_rules(self) -> StackConfig:
        raise_problems(self._problems())
        return self

    def _production_safeguard_problems(self) -> Iterator[Problem]:
        """Production keeps deletion protection and Pulumi `protect` on every stateful resource (the defaults);
        only a stack whose data may be thrown away turns them off."""
        switches: dict[tuple[str, ...], bool] = {
            ("kms", "protect"): self.kms.protect,
            ("database", "deletionProtection"): self.database.deletion_protection,
            ("database", "protect"): self.database.protect,
            ("cache", "protect"): self.cache.protect,
            ("tables", "deletionProtection"): self.tables.deletion_protection,
            ("tables", "protect"): self.tables.protect,
            ("storage", "assets", "protect"): self.storage.assets.protect,
            ("storage", "backend", "protect"): self.storage.backend.protect,
            ("storage", "logs", "protect"): self.storage.logs.protect,
        }
        for path, on in switches.items():
            if not on:
                yield Problem(
                    path, on, "production keeps it on: no destroy or replacement may delete production's data"
                )

    def _problems(self) -> Iterator[Problem]:
        yield from secret_key_problems(self.secrets, self.secret_specs)
        for i, az in enumerate(self.network.availability_zones):
            if not az.startswith(self.region) or len(az) != len(self.region) + 1:
                yield Problem(
                    ("network", "availabilityZones", i),
                    az,
                    f"accepted: an AZ of aws:region {self.region} such as {self.region}a",
                )
        if self.is_production and self.network.nat_gateways != "one-per-az":
            yield Problem(
                ("network", "natGateways"),
                self.network.nat_gateways,
                "production loses egress with one AZ on a single NAT gateway; accepted: one-per-az",
            )
        if self.is_production:
            yield from self._production_safeguard_problems()
            yield from production_data_problems(self.database, self.cache)
            yield from production_service_problems(self.service)
            yield from production_waf_problems(self.waf)
        yield from observability_problems(self.database.instance_class, self.observability)
