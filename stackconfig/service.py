"""The `socialclub:service` section: the backend API on ECS Fargate (docs/requirements.md §3.1), its image and
ECR repository (§3.2), its load balancer (§5.3) and its autoscaling; the settings models FargateService,
LoadBalancer and ContainerRegistry take."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stackconfig.aws_facts import FARGATE_MEMORY, IMAGE_TAG, ImageRef, parse_image
from stackconfig.base import ConfigModel, Problem, RetentionDays, raise_problems
from stackconfig.catalog import SECRETS

ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")

# What the NestJS API reads from its environment, and the SecretSet key behind each (stackconfig/catalog.py).
DEFAULT_SECRET_ENVIRONMENT: dict[str, str] = {
    "DATABASE_URL": "database/database-url",
    "REDIS_URL": "database/redis-url",
    "JWT_SECRET": "auth/jwt-secret",
    "JWT_REFRESH_SECRET": "auth/jwt-refresh-secret",
    "STRIPE_SECRET_KEY": "integration/stripe-key",
    "STRIPE_WEBHOOK_SECRET": "integration/stripe-webhook-secret",
    "TWILIO_ACCOUNT_SID": "integration/twilio-account-sid",
    "TWILIO_AUTH_TOKEN": "integration/twilio-key",
    "SENDGRID_API_KEY": "integration/sendgrid-key",
    "GOOGLE_MAPS_API_KEY": "integration/google-maps-key",
    "SENTRY_DSN": "monitoring/sentry-dsn",
}


@dataclass(frozen=True)
class DockerBuild:
    """Build the image during `pulumi up` (awsx.ecr.Image) instead of naming one CI pushed."""

    context: str
    """The Docker build context (a directory)."""
    dockerfile: str | None = None
    """The Dockerfile, when not `<context>/Dockerfile` (default)."""


class RegistrySettings(ConfigModel):
    """The account's ECR repository of the backend image (docs/requirements.md §3.2), as its owner (the bootstrap,
    or a stack with `repository.create`) creates it with ContainerRegistry and as the stacks use it; the stack
    files and the bootstrap's must agree (a test checks)."""

    name: str = Field(
        default="socialclub/backend", pattern=r"^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
    )
    """ECR repository name (default socialclub/backend), shared by every stack of the account."""
    moving_tags: list[str] = Field(default_factory=lambda: ["latest", "staging", "production"], max_length=5)
    """Tags CI moves from image to image (default latest, staging, production); every other tag is immutable."""
    release_tag_pattern: str = Field(default="v*", pattern=r"^[A-Za-z0-9._-]*\*?[A-Za-z0-9._-]*$")
    """Wildcard of release tags (e.g. v1.0.0); the lifecycle policy keeps the newest `keepReleases` of them."""
    keep_releases: int = Field(default=30, ge=1, le=1000)
    """How many release-tagged images to keep (default 30); older ones expire."""
    build_tag_prefix: str = Field(default="build-", pattern=r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")
    """Prefix of the immutable tag the deploy workflow gives every image it pushes (default `build-`)."""
    keep_builds: int = Field(default=50, ge=1, le=1000)
    """How many CI-built images to keep (default 50), besides those a moving tag points at; older ones expire."""
    untagged_expiry_days: int = Field(default=14, ge=1, le=3650)
    """Days after which an untagged image (a failed push, an image whose moving tag moved on) expires."""

    scan_on_push: bool = True
    """Basic scanning of every pushed image (default true): CVE findings in the console and EventBridge."""
    protect: bool = True
    """Pulumi `protect` on the repository (default true): deleting it deletes every image a rollback needs."""

    @field_validator("moving_tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        bad = [t for t in tags if not IMAGE_TAG.match(t)]
        if bad:
            raise ValueError(f"not image tags: {bad}")
        return tags


class RepositoryConfig(RegistrySettings):
    create: bool = False
    """Default false: the repository is the account bootstrap's (created before any stack, so the first image
    can be pushed before the first `pulumi up`), and the stack names it. True makes this stack create it, for
    an account without the bootstrap's registry."""


class ScalingSettings(ConfigModel):
    """When autoscaling adds and removes tasks (docs/requirements.md §3.1): out when CPU or memory is high, in
    only when both are low."""

    scale_out_cpu_percent: float = Field(default=70, gt=0, lt=100)
    """Add a task when average CPU (percent) is above this (default 70)."""
    scale_out_memory_percent: float = Field(default=75, gt=0, lt=100)
    """Add a task when average memory (percent) is above this (default 75), whatever the CPU."""
    scale_in_cpu_percent: float = Field(default=30, gt=0, lt=100)
    """Remove a task only when average CPU (percent) is below this (default 30; below scaleOutCpuPercent) ..."""
    scale_in_memory_percent: float = Field(default=50, gt=0, lt=100)
    """... and average memory (percent) is below this at the same time (default 50; below
    scaleOutMemoryPercent)."""
    cooldown_seconds: int = Field(default=300, ge=60, le=3600)
    """Seconds to wait after a scaling activity before the next one (default 300; 60-3600)."""
    scale_out_minutes: int = Field(default=3, ge=1, le=60)
    """Consecutive one-minute periods above a scale-out threshold before a task is added (default 3; 1-60)."""
    scale_in_minutes: int = Field(default=15, ge=1, le=60)
    """Consecutive one-minute periods below both scale-in thresholds before a task is removed (default 15;
    1-60): longer, removing capacity is the riskier move."""

    @model_validator(mode="after")
    def _bands(self) -> ScalingSettings:
        problems = [
            Problem(
                (f"scaleIn{metric}Percent",),
                low,
                f"must be below scaleOut{metric}Percent ({high}), or the service would scale in and out at once",
            )
            for metric, low, high in (
                ("Cpu", self.scale_in_cpu_percent, self.scale_out_cpu_percent),
                ("Memory", self.scale_in_memory_percent, self.scale_out_memory_percent),
            )
            if low >= high
        ]
        raise_problems(problems)
        return self


class LoadBalancerSettings(ConfigModel):
    """The internet-facing ALB in front of the API (docs/requirements.md §5.3)."""

    ssl_policy: str = Field(default="ELBSecurityPolicy-TLS13-1-2-Res-2021-06", pattern=r"^ELBSecurityPolicy-")
    """The HTTPS listener's security policy (default: TLS 1.3 and 1.2 with forward-secret AEAD ciphers only)."""
    ingress_cidrs: list[str] = Field(default_factory=lambda: ["0.0.0.0/0"], min_length=1)
    """Who may connect on 80 and 443 (default anywhere, docs/requirements.md §5.2); IPv6 blocks make the ALB
    dual-stack (the subnets then need IPv6 blocks)."""
    idle_timeout_seconds: int = Field(default=60, ge=1, le=4000)
    """Seconds a connection may stay idle before the ALB closes it (default 60; AWS accepts 1-4000)."""
    deletion_protection: bool = True
    """ALB deletion protection (default on; a staging stack turns it off so it can be torn down)."""
    protect: bool = True
    """Pulumi `protect` on the ALB (default on; a staging stack turns it off)."""


class ServiceSettings(ConfigModel):
    """The knobs of the backend's FargateService (docs/requirements.md §3.1)."""

    cpu: int = 512
    """Task CPU units (default 512 = 0.5 vCPU; requirements: 512 staging, 1024 production); one of Fargate's
    sizes."""
    memory: int = 1024
    """Task memory in MiB (default 1024; requirements: 1024 staging, 2048 production); a Fargate size for
    `cpu`."""
    cpu_architecture: Literal["X86_64", "ARM64"] = "X86_64"
    """The image's architecture (default X86_64); ARM64 (Graviton) costs about 20% less if the image is built
    for it."""
    min_tasks: int = Field(default=2, ge=1, le=100)
    """Fewest tasks, and the desired count at creation (default 2; requirements: 2 staging, 3 production)."""
    max_tasks: int = Field(default=5, ge=1, le=100)
    """Most tasks autoscaling may run (default 5; requirements: 5 staging, 10 production); at least minTasks."""
    container_port: int = Field(default=3001, ge=1024, le=65535)
    """TCP port the API listens on (default 3001); above 1023 so the non-root user can bind it."""
    health_check_grace_period_seconds: int = Field(default=60, ge=0, le=300)
    """Seconds ECS ignores load-balancer health checks after a task starts (default 60: NestJS boot time)."""
    container_insights: Literal["enabled", "enhanced"] = "enhanced"
    """Container Insights on the cluster (default `enhanced`: task- and container-level metrics, costs more)."""
    enable_execute_command: bool = False
    """ECS Exec, a shell in a running task through SSM (default off); production also needs
    `allowExecuteCommandInProduction`."""
    log_retention_days: RetentionDays = 30
    """Days the container log group is kept (default 30); one of CloudWatch Logs' retentions."""
    protect: bool = True
    """Pulumi `protect` on the service's log groups (default on; a staging stack turns it off)."""
    scaling: ScalingSettings = ScalingSettings()
    """When autoscaling adds and removes tasks."""

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSettings:
        raise_problems(self._problems())
        return self

    def _problems(self) -> Iterator[Problem]:
        """Every cross-field problem at once (a section extends it), each its own error line."""
        if self.cpu not in FARGATE_MEMORY:
            yield Problem(("cpu",), self.cpu, f"accepted: one of Fargate's CPU sizes {sorted(FARGATE_MEMORY)}")
        elif self.memory not in FARGATE_MEMORY[self.cpu]:
            sizes = FARGATE_MEMORY[self.cpu]
            yield Problem(
                ("memory",),
                self.memory,
                f"Fargate accepts {sizes[0]}-{sizes[-1]} MiB in steps of {sizes[1] - sizes[0]} for cpu {self.cpu}",
            )
        if self.min_tasks > self.max_tasks:
            yield Problem(("minTasks",), self.min_tasks, f"accepted: at most maxTasks ({self.max_tasks})")


class ServiceConfig(ServiceSettings):
    """The `socialclub:service` section: the service's settings, plus its image, secrets, repository and load
    balancer."""

    image: str | None = None
    """The image to run: `<tag>`, `sha256:<digest>` or `<tag>@sha256:<digest>` (a digest pins it). Not committed:
    the deploy workflow sets it on every deploy; a manual `pulumi up` pins the running one first (stack output
    serviceImage); `make plan` stands one in. Required, unless buildContext is set."""
    build_context: str | None = Field(default=None, min_length=1)
    """Instead of `image`: a Docker build context that `pulumi up` builds and pushes (awsx.ecr.Image)."""
    allow_execute_command_in_production: bool = False
    """The explicit, reviewable override for ECS Exec in production (break-glass; default off)."""
    access_log_retention_days: int = Field(default=90, ge=1, le=3650)
    """Days the ALB access logs are kept in their bucket (default 90)."""
    secret_environment: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SECRET_ENVIRONMENT))
    """Environment variable -> SecretSet key (stackconfig/catalog.py) injected as an ECS secret; never plain
    environment."""
    repository: RepositoryConfig = RepositoryConfig()
    """The ECR repository the image comes from (the bootstrap's unless `create`)."""
    load_balancer: LoadBalancerSettings = LoadBalancerSettings()
    """The ALB in front of the API."""

    @property
    def image_ref(self) -> ImageRef | None:
        return parse_image(self.image) if self.image is not None else None

    @property
    def image_or_build(self) -> ImageRef | DockerBuild:
        """What the service runs: the build context `pulumi up` builds, or the named image."""
        if self.build_context is not None:
            return DockerBuild(context=self.build_context)
        return parse_image(str(self.image))

    def _problems(self) -> Iterator[Problem]:
        yield from super()._problems()
        yield from self._image_problems()
        yield from self._secret_problems()

    def _image_problems(self) -> Iterator[Problem]:
        if self.image is not None and self.build_context is not None:
            yield Problem(("image",), self.image, "accepted: one of image and buildContext, not both")
        if self.image is None and self.build_context is None:
            yield Problem(
                ("image",),
                None,
                "required: the deploy workflow sets it per deploy; before a manual `pulumi up` pin the running "
                'image with `pulumi config set --path socialclub:service.image "$(pulumi stack output '
                'serviceImage)"`; before the first deploy, push one (docs/first-deploy.md, step 5)',
            )
        if self.image is not None:
            try:
                parse_image(self.image)
            except ValueError as error:
                yield Problem(
                    ("image",), self.image, f"{error}; accepted: <tag>, sha256:<digest>, <tag>@sha256:<digest>"
                )

    def _secret_problems(self) -> Iterator[Problem]:
        known = {spec.key for spec in SECRETS}
        for env, key in self.secret_environment.items():
            if not ENV_NAME.match(env):
                yield Problem(("secretEnvironment", env), key, "the variable name must be UPPER_SNAKE_CASE")
            if key not in known:
                yield Problem(("secretEnvironment", env), key, f"not a SecretSet key; accepted: {sorted(known)}")


def production_service_problems(service: ServiceConfig) -> Iterator[Problem]:
    """Rules only production has, located from the config root (StackConfig._problems calls this)."""
    if service.enable_execute_command and not service.allow_execute_command_in_production:
        yield Problem(
            ("service", "enableExecuteCommand"),
            True,
            "ECS Exec opens a shell in production tasks; set service.allowExecuteCommandInProduction: true "
            "as well to mean it (break-glass), or leave it off",
        )
    yield from _production_safeguard_problems(service)
    ref = service.image_ref
    if ref is not None and ref.digest is None and ref.tag in service.repository.moving_tags:
        yield Problem(
            ("service", "image"),
            service.image,
            f"'{ref.tag}' is a moving tag: production must name an immutable tag (e.g. a release) or a digest",
        )


def _production_safeguard_problems(service: ServiceConfig) -> Iterator[Problem]:
    """Production keeps the defaults on: Pulumi `protect` on the log groups and the ALB, the ALB's deletion
    protection, and `protect` on the repository when the stack creates it."""
    switches: dict[tuple[str, ...], bool] = {
        ("service", "protect"): service.protect,
        ("service", "loadBalancer", "deletionProtection"): service.load_balancer.deletion_protection,
        ("service", "loadBalancer", "protect"): service.load_balancer.protect,
    }
    if service.repository.create:
        switches["service", "repository", "protect"] = service.repository.protect
    for path, on in switches.items():
        if not on:
            yield Problem(
                path,
                on,
                "production keeps it on: a destroy or replacement would delete production's logs, entry point or "
                "images",
            )
