"""The backend's ECS task definition (docs/requirements.md §3.1): its image, and its one container, read-only,
non-root and without capabilities, with secrets only as ECS secrets. A child of the FargateService.

Image requirements the container definition relies on (document them in the backend's Dockerfile):
- the process runs as uid/gid 1000 and listens on the container port (3001, above 1023: no capability needed);
- the root filesystem is read-only; `/tmp` is a task volume, which Fargate creates root-owned 0755 unless the
  image declares `VOLUME ["/tmp"]` over a 1777 `/tmp` (Fargate then copies the image's permissions);
- the container health check runs `node -e ...` (node is in any NestJS image; curl and wget often are not).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

from components.task_roles import TaskRoles
from stackconfig.service import DockerBuild

if TYPE_CHECKING:
    from components.fargate_service import FargateServiceArgs

DOCKER_PLATFORM: dict[str, str] = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}

# The SSM agent writes its state and logs there; with a read-only root filesystem they must be task volumes
# (the workaround AWS documents in aws/containers-roadmap#1359 until ECS Exec supports read-only roots).
EXEC_WRITABLE_PATHS: dict[str, str] = {"exec-lib": "/var/lib/amazon", "exec-log": "/var/log/amazon"}

HEALTH_SCRIPT = (
    "require('http').get('http://127.0.0.1:{port}{path}',"
    "r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
)


@dataclass(frozen=True)
class ContainerSecret:
    """An ECS secret: a Secrets Manager ARN, optionally one JSON key of it (e.g. `password` of the RDS secret)."""

    arn: pulumi.Input[str]
    """The secret's ARN."""
    json_key: str | None = None
    """One key of the secret's JSON value; None (default): the whole value."""

    def value_from(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self.arn).apply(lambda arn: secret_value_from(arn, self.json_key))


def secret_value_from(arn: str, json_key: str | None) -> str:
    """ECS `valueFrom`: `<arn>:<json-key>:<version-stage>:<version-id>`, empty stage and id meaning AWSCURRENT."""
    return f"{arn}:{json_key}::" if json_key else arn


@dataclass(frozen=True)
class ContainerSpec:
    """Everything the container definition holds, resolved to plain values."""

    name: str
    """The container's name (also its log stream prefix)."""
    image: str
    """The image URI, by digest where known."""
    port: int
    """The TCP port the API listens on (container and host port; awsvpc maps them 1:1)."""
    log_group: str
    """The CloudWatch Logs group of the container's output."""
    region: str
    """The log group's region."""
    environment: Mapping[str, str]
    """Plain variables, name -> value."""
    secrets: Mapping[str, str]
    """Variable name -> ECS `valueFrom`."""
    writable_paths: Mapping[str, str]
    """Task volume name -> mount path: the only writable places in the container."""
    health_check_path: str
    """The path the container health check requests on localhost (the target group's)."""
    health_check_start_seconds: int
    """Seconds of start-up during which failed container health checks do not count (the service's grace
    period)."""
    user: str = "1000:1000"
    """uid:gid the process runs as (default 1000:1000, not root)."""


def container_definitions(spec: ContainerSpec) -> list[dict[str, Any]]:
    """The task's single container: read-only root, non-root, no capabilities, secrets only as ECS secrets."""
    clash = sorted(set(spec.environment) & set(spec.secrets))
    if clash:
        raise ValueError(f"{clash} given both as plain environment and as secrets")
    return [
        {
            "name": spec.name,
            "image": spec.image,
            "essential": True,
            "user": spec.user,
            "readonlyRootFilesystem": True,
            "privileged": False,
            "portMappings": [{"containerPort": spec.port, "hostPort": spec.port, "protocol": "tcp"}],
            "environment": [{"name": k, "value": v} for k, v in sorted(spec.environment.items())],
            "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(spec.secrets.items())],
            "mountPoints": [
                {"sourceVolume": volume, "containerPath": path, "readOnly": False}
                for volume, path in sorted(spec.writable_paths.items())
            ],
            # An init process reaps zombies (node child processes, the ECS Exec agent's sessions).
            "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": spec.log_group,
                    "awslogs-region": spec.region,
                    "awslogs-stream-prefix": spec.name,
                    # A slow CloudWatch Logs must not block the event loop; the buffer absorbs bursts.
                    "mode": "non-blocking",
                    "max-buffer-size": "25m",
                },
            },
            "healthCheck": {
                "command": ["CMD", "node", "-e", HEALTH_SCRIPT.format(port=spec.port, path=spec.health_check_path)],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": spec.health_check_start_seconds,
            },
        }
    ]


@dataclass(frozen=True)
class ContainerImage:
    """The image the task runs, and the release name error tracking groups its events under."""

    uri: pulumi.Output[str]
    """`<repository>@sha256:<digest>` or `<repository>:<tag>`."""
    release: pulumi.Output[str]
    """The tag, or the digest when there is none (SENTRY_RELEASE)."""


def container_image(owner: pulumi.Resource, name: str, args: FargateServiceArgs) -> ContainerImage:
    """The named image in the repository, or the one `pulumi up` builds and pushes there."""
    if isinstance(args.image, DockerBuild):
        built = awsx.ecr.Image(
            f"{name}-image",
            repository_url=args.repository.url,
            context=args.image.context,
            dockerfile=args.image.dockerfile,
            platform=DOCKER_PLATFORM[args.settings.cpu_architecture],
            opts=pulumi.ResourceOptions(parent=owner),
        )
        # awsx returns the pushed image by digest (`<repo>@sha256:...`).
        return ContainerImage(built.image_uri, built.image_uri.apply(lambda uri: uri.rpartition("@")[2]))
    ref = args.image
    return ContainerImage(args.repository.url.apply(ref.uri), pulumi.Output.from_input(ref.release))


class TaskDefinition:
    """The Fargate task definition: its image, its container, its volumes and its two roles."""

    image: ContainerImage
    resource: aws.ecs.TaskDefinition

    def __init__(
        self,
        owner: pulumi.Resource,
        name: str,
        args: FargateServiceArgs,
        roles: TaskRoles,
        logs: aws.cloudwatch.LogGroup,
    ) -> None:
        settings = args.settings
        self.image = container_image(owner, name, args)
        writable = {"tmp": "/tmp", **(EXEC_WRITABLE_PATHS if settings.enable_execute_command else {})}
        self.resource = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(settings.cpu),
            memory=str(settings.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=settings.cpu_architecture
            ),
            execution_role_arn=roles.execution.arn,
            task_role_arn=roles.task.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=volume) for volume in sorted(writable)],
            container_definitions=self._definitions(args, logs, writable),
            # Old revisions stay ACTIVE so a rollback (circuit breaker or a person) can still start them.
            skip_destroy=True,
            opts=pulumi.ResourceOptions(parent=owner),
        )

    def _definitions(
        self, args: FargateServiceArgs, logs: aws.cloudwatch.LogGroup, writable: Mapping[str, str]
    ) -> pulumi.Output[str]:
        environment: dict[str, pulumi.Input[str]] = {
            "NODE_ENV": "production",
            "PORT": str(args.settings.container_port),
            "SENTRY_ENVIRONMENT": args.environment_name,
            "SENTRY_RELEASE": self.image.release,
            "METRICS_NAMESPACE": args.metrics_namespace,
            **args.environment,
        }
        secret_values = {env: s.value_from() for env, s in args.secrets.items()}
        return pulumi.Output.all(
            image=self.image.uri,
            log_group=logs.name,
            environment=pulumi.Output.all(**environment),
            secrets=pulumi.Output.all(**secret_values),
        ).apply(
            lambda v: json.dumps(
                container_definitions(
                    ContainerSpec(
                        name=args.container_name,
                        image=v["image"],
                        port=args.settings.container_port,
                        log_group=v["log_group"],
                        region=args.context.region,
                        environment=v["environment"],
                        secrets=v["secrets"],
                        writable_paths=writable,
                        health_check_path=args.health_check.path,
                        health_check_start_seconds=args.settings.health_check_grace_period_seconds,
                    )
                )
            )
        )
