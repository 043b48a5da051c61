"""SocialClub infrastructure: validated stack config in, the tiers built in the order of the architecture
(docs/requirements.md), the stack outputs exported.

Each tier (tiers/) wires components (components/) from its stack-config section (stackconfig/) and the tiers
before it; the outputs below are a contract with the deploy workflows, the GitHub project and the runbook
(README, "Stack outputs").
"""

from __future__ import annotations

import pulumi
from pulumi.runtime import config as runtime_config

from stackconfig import ConfigError, load_settings
from tiers.backend import build_backend
from tiers.data import build_data
from tiers.delivery import build_delivery
from tiers.dns import build_dns
from tiers.edge import build_edge
from tiers.foundation import build_foundation
from tiers.observability import build_observability
from tiers.storage import build_storage

try:
    config = load_settings({**runtime_config.get_config_env(), **runtime_config.CONFIG.get()})
except ConfigError as error:
    # RunError ends the program with the message alone: one line per problem, no traceback.
    raise pulumi.RunError(f"invalid stack config ({len(error.lines)} problems):\n" + str(error)) from None

base = build_foundation(config, pulumi.get_stack())  # provider, key, network, secrets
data = build_data(base)  # PostgreSQL, Redis, DynamoDB, the migration task
dns = build_dns(base)  # zone, certificates
storage = build_storage(base, dns)  # log, assets and backend buckets
backend = build_backend(base, data, dns, storage)  # ECR, ALB, the API on Fargate
edge = build_edge(base, dns, storage, backend)  # WAF, CloudFront, DNS records, health checks
deploy = build_delivery(base, dns, backend, edge)  # GitHub Actions roles, program-known secret values
observability = build_observability(base, data, backend, edge)  # alerts, alarms, dashboards, Sentry

# --- stack outputs ---------------------------------------------------------------------------------------------
database, migration = data.database, data.migration
pulumi.export("databaseEndpoint", database.endpoint)
pulumi.export("databaseMasterSecretArn", database.master_secret_arn)
# What the deploy workflow needs to run the migration task after `pulumi up`.
pulumi.export("dbMigrationTaskDefinitionArn", migration.task_definition_arn)
pulumi.export("dbMigrationFamily", migration.family)
pulumi.export("dbMigrationSecurityGroupId", migration.security_group_id)
pulumi.export("dbMigrationSubnetIds", migration.subnet_ids)
pulumi.export("dbMigrationLogGroupName", migration.log_group_name)
pulumi.export("redisPrimaryEndpoint", data.cache.primary_endpoint)
pulumi.export("redisReaderEndpoint", data.cache.reader_endpoint)
pulumi.export("dynamodbTableNames", data.tables.table_names)
pulumi.export("hostedZoneId", dns.zone.zone_id)
pulumi.export("hostedZoneNameServers", dns.zone.name_servers)
pulumi.export("logBucketName", storage.logs.bucket_name)
pulumi.export("assetsBucketName", storage.assets.bucket_name)
pulumi.export("backendBucketName", storage.objects.bucket_name)
service = backend.service
pulumi.export("ecrRepositoryUrl", backend.repository.url)
pulumi.export("ecsClusterName", service.cluster_name)
pulumi.export("ecsServiceName", service.service_name)
pulumi.export("backendTaskDefinitionArn", service.task_definition_arn)
pulumi.export("backendImage", service.image_uri)
# The `socialclub:service.image` this update ran with ("" before the first image). A preview or a manual `pulumi
# up` sets it first: the committed stack files name none, which would roll the service to the placeholder (the
# circuit breaker rolls that back) and let autoscaling take it down to 0 tasks.
pulumi.export("serviceImage", config.service.image or "")
pulumi.export("albDnsName", backend.alb.dns_name)
pulumi.export("albLogBucket", storage.logs.bucket_name)
pulumi.export("appUrl", f"https://{dns.app_host}")
pulumi.export("apiUrl", f"https://{dns.api_host}")
pulumi.export("frontendBucketName", edge.site.bucket_name)
pulumi.export("frontendDistributionId", edge.site.distribution_id)
pulumi.export("cloudfrontDomainName", edge.site.distribution_domain_name)
pulumi.export("appDeployRoleArn", deploy.app_role_arn)
pulumi.export("infraDeployRoleArn", deploy.infra_role_arn)
pulumi.export("alertTopicArn", observability.alerts.topic_arn)
pulumi.export("alarmNames", observability.monitoring.alarm_names)
pulumi.export("dashboardNames", observability.dashboards.dashboard_names)
if observability.errors is not None:
    pulumi.export("sentryProject", observability.errors.project_slug)
    pulumi.export("sentryAlertNames", observability.errors.alert_names)
# The GitHub project (github/) makes it the deploy environment's AWS_REGION.
pulumi.export("awsRegion", config.region)
pulumi.export("vpcId", base.network.vpc_id)
pulumi.export("kmsKeyArn", base.kms.arn)
pulumi.export("privateSubnetIds", base.network.private_subnet_ids)
pulumi.export("secretArns", {key: s.arn for key, s in base.secrets.secrets.items()})
