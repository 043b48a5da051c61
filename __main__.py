"""SocialClub infrastructure: validated stack config in, components wired together, outputs exported.

The tiers in the order of the architecture (docs/requirements.md): foundation (provider, key, network, secrets),
data, DNS and certificates, storage, backend, edge, observability. Components never read config: each takes its
stack-config section as its `settings` (stackconfig/) and the components it builds on.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from pulumi.runtime import config as runtime_config

from catalog import SENTRY_DSN
from components.alerting import AlertTopic, AlertTopicArgs, chatbot_policy_name
from components.aws_context import AwsContext
from components.cdn_site import CdnSite, CdnSiteArgs, MediaOrigin
from components.certificate import EdgeCertificates, EdgeCertificatesArgs
from components.container_registry import ContainerRegistry, ContainerRegistryArgs, repository_ref
from components.dashboards import Dashboards, DashboardsArgs
from components.db_migration import DatabaseMigration, DatabaseMigrationArgs
from components.dns_zone import AliasTarget, DnsZone, DnsZoneArgs
from components.error_tracking import ErrorTracking, ErrorTrackingArgs
from components.fargate_service import FargateService, FargateServiceArgs
from components.github_deploy_roles import GithubDeployRoles, GithubDeployRolesArgs, StackFence
from components.health_checks import SiteHealthChecks, SiteHealthChecksArgs
from components.kms_key import KmsKey, KmsKeyArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.log_bucket import ALB_PREFIX, CLOUDFRONT_PREFIX, LogBucket, LogBucketArgs
from components.monitoring import MonitoredResources, Monitoring, MonitoringArgs, member_cluster_ids
from components.object_store import ObjectStore, ObjectStoreArgs
from components.postgres_db import PostgresDb, PostgresDbArgs
from components.realtime_tables import RealtimeTables, RealtimeTablesArgs
from components.redis_cluster import RedisCluster, RedisClusterArgs
from components.secret_set import SecretSet, SecretSetArgs
from components.security_groups import connect
from components.task_definition import ContainerSecret
from components.vpc import Vpc, VpcArgs
from components.web_acl import API_RULE_GROUPS, EDGE_RULE_GROUPS, WebAcl, WebAclArgs
from stackconfig import ConfigError, load_settings
from stackconfig.aws_facts import CLOUDFRONT_REGION, GLOBAL_METRICS_REGION
from stackconfig.iam import boundary_arn, role_path, state_bucket_name

try:
    config = load_settings({**runtime_config.get_config_env(), **runtime_config.CONFIG.get()})
except ConfigError as error:
    # RunError ends the program with the message alone: one line per problem, no traceback.
    raise pulumi.RunError(f"invalid stack config ({len(error.lines)} problems):\n" + str(error)) from None
stack = pulumi.get_stack()
env_name, log_roots = config.env_name(stack), config.log_roots(stack)

# --- foundation: provider, account context, key, network, secrets (docs/requirements.md §5.1, §6.3, §6.4) -----
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

# --- data: PostgreSQL, Redis, the real-time DynamoDB tables (docs/requirements.md §4) ---------------------------
database = PostgresDb(
    "db",
    PostgresDbArgs(
        context,
        f"{env_name}-postgres",
        network=network,
        kms_key_arn=kms.arn,
        secrets=secrets,
        settings=config.database,
    ),
    opts,
)
cache = RedisCluster(
    "cache",
    RedisClusterArgs(
        f"{env_name}-redis",
        network=network,
        kms_key_arn=kms.arn,
        secrets=secrets,
        log_group_prefix=log_roots["elasticache"],
        settings=config.cache,
    ),
    opts,
)
tables = RealtimeTables("tables", RealtimeTablesArgs(context, env_name, kms.arn, settings=config.tables), opts)
pulumi.export("databaseEndpoint", database.endpoint)
pulumi.export("databaseMasterSecretArn", database.master_secret_arn)
# The one task that holds the master secret: the deploy flow runs it after `pulumi up` to create and grant the
# API's login role (docs/first-deploy.md step 7 for the first time). It needs no image of ours.
migration = DatabaseMigration(
    "db-migrate",
    DatabaseMigrationArgs(
        context=context,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        family=f"{env_name}-db-migrate",
        image=config.database.migration_image,
        log_group_name=f"{log_roots['ecs']}-db-migrate",
        kms_key_arn=kms.arn,
        database=database,
        # An ECS task: its log is kept and protected like the backend's (docs/requirements.md §7.1).
        service=config.service,
    ),
    opts,
)
connect(migration, database)
pulumi.export("dbMigrationTaskDefinitionArn", migration.task_definition_arn)
pulumi.export("dbMigrationFamily", migration.family)
pulumi.export("dbMigrationSecurityGroupId", migration.security_group_id)
pulumi.export("dbMigrationSubnetIds", migration.subnet_ids)
pulumi.export("dbMigrationLogGroupName", migration.log_group_name)
pulumi.export("redisPrimaryEndpoint", cache.primary_endpoint)
pulumi.export("redisReaderEndpoint", cache.reader_endpoint)
pulumi.export("dynamodbTableNames", tables.table_names)

# --- edge part 1: DNS zone and certificates (docs/requirements.md §5.4, §6.2) -------------------------------
zone = DnsZone("dns", DnsZoneArgs(settings=config.dns), opts)
# One wildcard certificate for every host; `regional_certificate_arn` is the ALB's, `cloudfront_certificate_arn`
# the us-east-1 one (the same certificate when the stack lives in us-east-1). Both are the validated ARNs.
certificates = EdgeCertificates(
    "certs", EdgeCertificatesArgs(zone=zone, region=config.region, settings=config.dns.certificates), opts
)
pulumi.export("hostedZoneId", zone.zone_id)
pulumi.export("hostedZoneNameServers", zone.name_servers)

# --- storage: the log bucket, the Assets and Backend buckets (docs/requirements.md §2.1; Frontend is CdnSite's) ---
# One log bucket: ALB, CloudFront and S3 access logs under their prefixes, each kept as its source's config says.
storage = config.storage
logs = LogBucket(
    "logs",
    LogBucketArgs(
        context,
        env_name,
        {ALB_PREFIX: config.service.access_log_retention_days, CLOUDFRONT_PREFIX: config.frontend.log_retention_days},
        settings=storage.logs,
    ),
    opts,
)
# User media: browsers upload with URLs the API presigns, from the app's origin only; viewers read it through the
# distribution under `storage.mediaPath`.
assets = ObjectStore(
    "assets",
    ObjectStoreArgs(
        context,
        f"{env_name}-assets-",
        kms.arn,
        logs,
        upload_origins=[f"https://{zone.fqdn(config.dns.hosts.app)}"],
        served_by_cdn=True,
        settings=storage.assets,
    ),
    opts,
)
objects = ObjectStore(
    "backend-objects", ObjectStoreArgs(context, f"{env_name}-backend-", kms.arn, logs, settings=storage.backend), opts
)
media_prefix = storage.media_path.removesuffix("/*")
# The distribution forwards the whole path, so media keys start with the path's first segment (`media/`).
media_keys = f"{media_prefix.lstrip('/')}/"
pulumi.export("logBucketName", logs.bucket_name)
pulumi.export("assetsBucketName", assets.bucket_name)
pulumi.export("backendBucketName", objects.bucket_name)

# --- backend: FargateService with ECR and the ALB (docs/requirements.md §3) ---------------------------------
# One ECR repository per account (socialclub/backend, §3.2), the bootstrap's: named here (a stack with
# `repository.create` creates its own instead). Secrets reach the container only as ECS secrets. The API logs in
# to PostgreSQL as the application user with an IAM token (DATABASE_AUTH=iam): no password reaches it, and none of
# its roles can read the master secret.
svc = config.service
repository = (
    ContainerRegistry("ecr", ContainerRegistryArgs(kms_key_arn=kms.arn, settings=svc.repository), opts).ref
    if svc.repository.create
    else repository_ref(context.account_id, config.region, context.partition, svc.repository.name)
)

alb = LoadBalancer(
    "api",
    LoadBalancerArgs(
        context=context,
        vpc_id=network.vpc_id,
        subnet_ids=network.public_subnet_ids,
        certificate_arn=certificates.regional_certificate_arn,
        access_logs=logs.target(ALB_PREFIX),
        settings=svc.load_balancer,
    ),
    opts,
)
backend = FargateService(
    "backend",
    FargateServiceArgs(
        context=context,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        load_balancer=alb,
        repository=repository,
        image=svc.image_or_build,
        kms_key_arn=kms.arn,
        cluster_name=env_name,
        family=f"{env_name}-backend",
        log_group_name=f"{log_roots['ecs']}-backend",
        metrics_namespace=f"SocialClub/{stack}",
        environment={
            "DATABASE_AUTH": "iam",
            "DATABASE_USER": database.app_username,
            "DATABASE_HOST": database.address,
            "DATABASE_PORT": database.port.apply(str),
            "DATABASE_NAME": database.database_name,
            **{f"DYNAMODB_TABLE_{t.upper().replace('-', '_')}": n for t, n in tables.table_names.items()},
            "ASSETS_BUCKET": assets.bucket_name,
            "ASSETS_KEY_PREFIX": media_keys,
            "ASSETS_PUBLIC_URL": f"https://{zone.fqdn(config.dns.hosts.cdn)}{media_prefix}",
            "BACKEND_BUCKET": objects.bucket_name,
        },
        secrets={env: ContainerSecret(secrets.arn(key)) for env, key in svc.secret_environment.items()},
        environment_name=config.environment,
        settings=svc,
    ),
    opts,
)
# The security-group matrix of docs/requirements.md §5.2: ECS -> RDS and -> ElastiCache on their ports.
connect(backend, database)
database.grant_connect(backend.task_role, "backend")
connect(backend, cache)
tables.grant_read_write(backend.task_role, "backend")
assets.grant_read_write(backend.task_role, "backend", key_prefix=media_keys)
objects.grant_read_write(backend.task_role, "backend")
pulumi.export("ecrRepositoryUrl", repository.url)
pulumi.export("ecsClusterName", backend.cluster_name)
pulumi.export("ecsServiceName", backend.service_name)
pulumi.export("backendTaskDefinitionArn", backend.task_definition_arn)
pulumi.export("backendImage", backend.image_uri)
# The `socialclub:service.image` this update ran with ("" before the first image). A preview or a manual `pulumi
# up` sets it first: the committed stack files name none, which would roll the service to the placeholder (the
# circuit breaker rolls that back) and let autoscaling take it down to 0 tasks.
pulumi.export("serviceImage", svc.image or "")
pulumi.export("albDnsName", alb.dns_name)
pulumi.export("albLogBucket", logs.bucket_name)

# --- edge part 2: CDN, WAF, DNS records, health checks, GitHub deploy roles (docs/requirements.md §2.2, §8) --
hosts = config.dns.hosts
app_host, api_host, cdn_host = zone.fqdn(hosts.app), zone.fqdn(hosts.api), zone.fqdn(hosts.cdn)
web = config.frontend
# AWS WAF on both entry points: the ALB's ACL is regional; CloudFront's lives in us-east-1, where the stack key
# can encrypt its logs only if the stack lives there too (keys are regional). `frontend.webAclArn` names an
# existing CloudFront ACL instead of this stack's.
edge_acl: WebAcl | None = None
if config.waf.enabled:
    api_acl = WebAcl(
        "waf-api",
        WebAclArgs(
            name=f"{env_name}-api",
            scope="REGIONAL",
            kms_key_arn=kms.arn,
            rule_groups=API_RULE_GROUPS,
            settings=config.waf,
        ),
        opts,
    )
    alb.attach_web_acl(api_acl.arn)
    if web.web_acl_arn is None:
        edge_acl = WebAcl(
            "waf-frontend",
            WebAclArgs(
                name=f"{env_name}-frontend",
                scope="CLOUDFRONT",
                kms_key_arn=kms.arn if config.region == CLOUDFRONT_REGION else None,
                rule_groups=EDGE_RULE_GROUPS,
                settings=config.waf,
            ),
            opts,
        )
site = CdnSite(
    "frontend",
    CdnSiteArgs(
        context=context,
        name_prefix=env_name,
        aliases=[app_host, cdn_host],
        certificate_arn=certificates.cloudfront_certificate_arn,
        kms_key_arn=kms.arn,
        log_bucket=logs,
        media=MediaOrigin(assets.bucket, storage.media_path),
        web_acl=edge_acl,
        # The app's scripts call the API and PUT media to the assets bucket with presigned URLs.
        connect_origins=[f"https://{api_host}", assets.upload_origin],
        settings=web,
    ),
    opts,
)
site.grant_read(backend.task_role, "backend")
to_cloudfront = AliasTarget(site.distribution_domain_name, site.distribution_hosted_zone_id)
zone.alias("app", hosts.app, to_cloudfront)
zone.alias("cdn", hosts.cdn, to_cloudfront)
# The api host points straight at the ALB, not through CloudFront (docs/requirements.md §5.4); IPv4 only.
zone.alias("api", hosts.api, AliasTarget(alb.dns_name, alb.zone_id), ipv6=False)
health_checks = SiteHealthChecks(
    "health",
    SiteHealthChecksArgs(api_host=api_host, frontend_host=app_host, settings=config.dns.health_checks),
    opts,
)
who = config.deploy
deploy = GithubDeployRoles(
    "deploy",
    GithubDeployRolesArgs(
        context=context,
        name_prefix=env_name,
        settings=who,
        # When stacks share the account: the `Stack` default tag, this stack's state objects, buckets and DNS
        # names are all its deploy role may touch.
        fence=StackFence(
            stack=stack,
            tag_key="Stack",
            project=pulumi.get_project(),
            state_bucket=who.state_bucket or state_bucket_name(config.name_prefix, config.account_id, config.region),
            bucket_prefix=f"{env_name}-",
            record_names=[app_host, api_host, cdn_host, f"_*.{config.dns.domain}"],
        ),
        owned_policy_names=[chatbot_policy_name(env_name)] if config.observability.slack else [],
    ),
    opts,
)
deploy.grant_image_push(repository.arn)
deploy.grant_service_rollout(backend.service_arn, [backend.task_role_arn, backend.execution_role_arn])
site.grant_deploy(deploy.app_role, "app-deploy")
# The values the program knows; ECS cannot start a task whose secret has no version.
secrets.set_value("aws/role-arn", deploy.app_role_arn)
secrets.set_value("aws/ecr-registry", repository.url.apply(lambda url: url.split("/", 1)[0]))
secrets.set_value("api/vite-api-url", f"https://{api_host}")
secrets.set_value("api/backend-url", f"https://{api_host}")
pulumi.export("appUrl", f"https://{app_host}")
pulumi.export("apiUrl", f"https://{api_host}")
pulumi.export("frontendBucketName", site.bucket_name)
pulumi.export("frontendDistributionId", site.distribution_id)
pulumi.export("cloudfrontDomainName", site.distribution_domain_name)
pulumi.export("appDeployRoleArn", deploy.app_role_arn)
pulumi.export("infraDeployRoleArn", deploy.infra_role_arn)


# --- observability: alerting, alarms, dashboards, Sentry (docs/requirements.md §7) --------------------------
obs = config.observability
alerts = AlertTopic(
    "alerts", AlertTopicArgs(context=context, name_prefix=env_name, kms_key_arn=kms.arn, settings=obs), opts
)
# Route 53 publishes health-check metrics only in us-east-1 and an alarm notifies only a topic of its own region:
# outside us-east-1 a twin topic there (with its own key; the stack key is regional) e-mails the same people.
global_alerts = (
    alerts
    if config.region == GLOBAL_METRICS_REGION
    else AlertTopic(
        "alerts-global",
        AlertTopicArgs(
            context=context,
            name_prefix=env_name,
            kms_key_arn=None,
            region=GLOBAL_METRICS_REGION,
            settings=obs,
        ),
        opts,
    )
)
watched = MonitoredResources(
    cluster_name=backend.cluster_name,
    service_name=backend.service_name,
    service_arn=backend.service_arn,
    load_balancer_arn_suffix=alb.arn_suffix,
    target_group_arn_suffix=backend.target_group_arn_suffix,
    service_log_group_name=backend.log_group_name,
    db_instance_identifier=database.instance_identifier,
    db_instance_class=database.instance_class,
    db_allocated_storage_gb=database.allocated_storage_gb,
    cache_node_ids=member_cluster_ids(cache.replication_group_id, cache.nodes),
    table_names=tables.table_names,
    distribution_id=site.distribution_id,
    health_check_ids={"api": health_checks.api_health_check_id, "frontend": health_checks.frontend_health_check_id},
)
monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(
        name_prefix=env_name,
        resources=watched,
        topic_arn=alerts.topic_arn,
        global_topic_arn=global_alerts.topic_arn,
        settings=obs,
    ),
    opts,
)
dashboards = Dashboards(
    "dashboards", DashboardsArgs(name_prefix=env_name, region=config.region, resources=watched, settings=obs), opts
)
# The 90-day rotation of third-party keys (docs/requirements.md §6.4) becomes a reminder on the alert topic.
secrets.remind_manual_rotation(alerts.topic_arn)
pulumi.export("alertTopicArn", alerts.topic_arn)
pulumi.export("alarmNames", monitoring.alarm_names)
pulumi.export("dashboardNames", dashboards.dashboard_names)
# Sentry (the requirements' `socialclub-backend` project and its three alert rules), managed unless the stack
# switches it off; its DSN then reaches the tasks through the same secret an operator fills otherwise.
if config.sentry.enabled:
    errors = ErrorTracking("sentry", ErrorTrackingArgs(key_name=f"{env_name}-backend", settings=config.sentry), opts)
    secrets.set_value(SENTRY_DSN, errors.dsn)
    pulumi.export("sentryProject", errors.project_slug)
    pulumi.export("sentryAlertNames", errors.alert_names)

# --- outputs -----------------------------------------------------------------------------------------------
# The GitHub project (github/) makes it the deploy environment's AWS_REGION.
pulumi.export("awsRegion", config.region)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("kmsKeyArn", kms.arn)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("secretArns", {key: s.arn for key, s in secrets.secrets.items()})
