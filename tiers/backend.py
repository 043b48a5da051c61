"""Backend: the API on ECS Fargate behind the load balancer, its image repository, and what it may reach
(docs/requirements.md §3, §5.2, §5.3)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.container_registry import ContainerRegistry, ContainerRegistryArgs, RepositoryRef, repository_ref
from components.fargate_service import FargateService, FargateServiceArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.log_bucket import ALB_PREFIX
from components.security_groups import connect
from components.task_definition import ContainerSecret
from tiers.data import Data
from tiers.dns import Dns
from tiers.foundation import Foundation
from tiers.storage import Storage


@dataclass(frozen=True)
class Backend:
    repository: RepositoryRef
    """One ECR repository per account (socialclub/backend, §3.2), the bootstrap's: named here (a stack with
    `repository.create` creates its own instead)."""
    alb: LoadBalancer
    service: FargateService


def _environment(data: Data, dns: Dns, storage: Storage) -> dict[str, pulumi.Input[str]]:
    """The API's plain settings. It logs in to PostgreSQL as the application user with an IAM token
    (DATABASE_AUTH=iam): no password reaches it, and none of its roles can read the master secret."""
    database = data.database
    return {
        "DATABASE_AUTH": "iam",
        "DATABASE_USER": database.app_username,
        "DATABASE_HOST": database.address,
        "DATABASE_PORT": database.port.apply(str),
        "DATABASE_NAME": database.database_name,
        **{f"DYNAMODB_TABLE_{t.upper().replace('-', '_')}": n for t, n in data.tables.table_names.items()},
        "ASSETS_BUCKET": storage.assets.bucket_name,
        "ASSETS_KEY_PREFIX": storage.media_keys,
        "ASSETS_PUBLIC_URL": f"https://{dns.cdn_host}{storage.media_prefix}",
        "BACKEND_BUCKET": storage.objects.bucket_name,
    }


def build_backend(base: Foundation, data: Data, dns: Dns, storage: Storage) -> Backend:
    config, context, network, opts = base.config, base.context, base.network, base.opts
    svc = config.service
    repository = (
        ContainerRegistry("ecr", ContainerRegistryArgs(kms_key_arn=base.kms.arn, settings=svc.repository), opts).ref
        if svc.repository.create
        else repository_ref(context.account_id, config.region, context.partition, svc.repository.name)
    )
    alb = LoadBalancer(
        "api",
        LoadBalancerArgs(
            context=context,
            vpc_id=network.vpc_id,
            subnet_ids=network.public_subnet_ids,
            certificate_arn=dns.certificates.regional_certificate_arn,
            access_logs=storage.logs.target(ALB_PREFIX),
            settings=svc.load_balancer,
        ),
        opts,
    )
    service = FargateService(
        "backend",
        FargateServiceArgs(
            context=context,
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            load_balancer=alb,
            repository=repository,
            image=svc.image_or_build,
            kms_key_arn=base.kms.arn,
            cluster_name=base.env_name,
            family=f"{base.env_name}-backend",
            log_group_name=f"{base.log_roots['ecs']}-backend",
            metrics_namespace=f"SocialClub/{base.stack}",
            environment=_environment(data, dns, storage),
            # Secrets reach the container only as ECS secrets.
            secrets={env: ContainerSecret(base.secrets.arn(key)) for env, key in svc.secret_environment.items()},
            environment_name=config.environment,
            settings=svc,
        ),
        opts,
    )
    # The security-group matrix of docs/requirements.md §5.2: ECS -> RDS and -> ElastiCache on their ports.
    connect(service, data.database)
    data.database.grant_connect(service.task_role, "backend")
    connect(service, data.cache)
    data.tables.grant_read_write(service.task_role, "backend")
    storage.assets.grant_read_write(service.task_role, "backend", key_prefix=storage.media_keys)
    storage.objects.grant_read_write(service.task_role, "backend")
    return Backend(repository, alb, service)
