"""Delivery: the roles GitHub Actions deploys with, and the secret values the program knows (docs/requirements.md
§6.1, §8)."""

from __future__ import annotations

import pulumi

from components.alerting import chatbot_policy_name
from components.github_deploy_roles import GithubDeployRoles, GithubDeployRolesArgs, StackFence
from stackconfig.iam import state_bucket_name
from tiers.backend import Backend
from tiers.dns import Dns
from tiers.edge import Edge
from tiers.foundation import Foundation


def build_delivery(base: Foundation, dns: Dns, backend: Backend, edge: Edge) -> GithubDeployRoles:
    config, env_name, who = base.config, base.env_name, base.config.deploy
    deploy = GithubDeployRoles(
        "deploy",
        GithubDeployRolesArgs(
            context=base.context,
            name_prefix=env_name,
            settings=who,
            # When stacks share the account: the `Stack` default tag, this stack's state objects, buckets and DNS
            # names are all its deploy role may touch.
            fence=StackFence(
                stack=base.stack,
                tag_key="Stack",
                project=pulumi.get_project(),
                state_bucket=who.state_bucket
                or state_bucket_name(config.name_prefix, config.account_id, config.region),
                bucket_prefix=f"{env_name}-",
                record_names=[dns.app_host, dns.api_host, dns.cdn_host, f"_*.{config.dns.domain}"],
            ),
            owned_policy_names=[chatbot_policy_name(env_name)] if config.observability.slack else [],
        ),
        base.opts,
    )
    service = backend.service
    deploy.grant_image_push(backend.repository.arn)
    deploy.grant_service_rollout(service.service_arn, [service.task_role_arn, service.execution_role_arn])
    edge.site.grant_deploy(deploy.app_role, "app-deploy")
    # The values the program knows; ECS cannot start a task whose secret has no version.
    secrets = base.secrets
    secrets.set_value("aws/role-arn", deploy.app_role_arn)
    secrets.set_value("aws/ecr-registry", backend.repository.url.apply(lambda url: url.split("/", 1)[0]))
    secrets.set_value("api/vite-api-url", f"https://{dns.api_host}")
    secrets.set_value("api/backend-url", f"https://{dns.api_host}")
    return deploy
