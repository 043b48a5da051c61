"""Container hygiene: scanned images, read-only non-root non-privileged containers, secrets as ECS secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import Policy, ResourceValidationArgs

from .helpers import (
    ADVISORY,
    ECR_REPOSITORY,
    ECS_TASK_DEFINITION,
    Config,
    Rule,
    as_json,
    findings,
    get,
    items,
    resource_rule,
)


def containers(args: ResourceValidationArgs) -> list[Any]:
    """The container definitions (a JSON string on the wire)."""
    return items(as_json(get(args.props, "containerDefinitions", default="[]")))


READ_ONLY_ROOT = Rule(
    name="ecs-task-read-only-root",
    control="ECS.5",
    description="Containers run with a read-only root filesystem.",
    fix="set readonlyRootFilesystem: true in every container definition and mount writable paths "
    "(e.g. /tmp) as volumes.",
)


def _read_only_root(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    for container in containers(args):
        if get(container, "readonlyRootFilesystem") is not True:
            yield f"container '{get(container, 'name', default='?')}' has a writable root filesystem."


ROOT_USERS = frozenset({"root", "0", "0:0", "root:root"})

UNPRIVILEGED = Rule(
    name="ecs-task-non-root",
    control="ECS.4; Control Tower CT.ECS.PR.3 (non-root user)",
    description="Containers run as a non-root user and never privileged.",
    fix="set user to a non-root uid (e.g. '1000:1000' or 'node') and leave privileged unset.",
)


def _unprivileged(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    for container in containers(args):
        name = get(container, "name", default="?")
        user = str(get(container, "user", default="root"))
        yield from findings(
            (get(container, "privileged") is not True, f"container '{name}' is privileged."),
            (user not in ROOT_USERS, f"container '{name}' runs as '{user}'."),
        )


SECRET_ENV = Rule(
    name="ecs-task-no-secrets-in-environment",
    control="ECS.8",
    description="Secrets reach containers as ECS secrets (from Secrets Manager), never as plain environment "
    "values that show in the task definition.",
    fix="move the variable from environment to secrets=[{'name': ..., 'valueFrom': <secret ARN>}].",
    schema={
        "secretNamePattern": {
            "type": "string",
            "minLength": 1,
            "default": "(?i)(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIALS|_DSN$|^DSN$|DATABASE_URL|"
            "REDIS_URL|AWS_ACCESS_KEY_ID|ECS_ENGINE_AUTH_DATA)",
            "description": "Regular expression of environment variable names that hold secrets.",
        }
    },
)


def _secret_env(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    pattern = re.compile(config["secretNamePattern"])
    for container in containers(args):
        for variable in items(get(container, "environment")):
            name = str(get(variable, "name", default=""))
            if pattern.search(name):
                yield f"container '{get(container, 'name', default='?')}' gets '{name}' as a plain environment value."


SCAN_ON_PUSH = Rule(
    name="ecr-image-scanning",
    control="ECR.1",
    description="ECR repositories scan images for vulnerabilities on push.",
    fix="set image_scanning_configuration=RepositoryImageScanningConfigurationArgs(scan_on_push=True).",
)


def _scan_on_push(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if get(args.props, "imageScanningConfiguration", "scanOnPush") is not True:
        yield "scanOnPush is not true."


TAG_IMMUTABILITY = Rule(
    name="ecr-tag-immutability",
    control="ECR.2",
    description="ECR image tags are immutable, except the moving tags listed as exclusions.",
    fix="set image_tag_mutability='IMMUTABLE_WITH_EXCLUSION' with image_tag_mutability_exclusion_filters for the "
    "moving tags (latest, staging, production), and deploy by digest.",
    level=ADVISORY,  # the seed deploys moving tags (latest, staging, production)
)


def _tag_immutability(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    mutability = get(args.props, "imageTagMutability", default="MUTABLE")
    if not str(mutability).startswith("IMMUTABLE"):
        yield f"imageTagMutability is {mutability}: a pushed release tag can be overwritten."


POLICIES: list[Policy] = [
    resource_rule(READ_ONLY_ROOT, [ECS_TASK_DEFINITION], _read_only_root),
    resource_rule(UNPRIVILEGED, [ECS_TASK_DEFINITION], _unprivileged),
    resource_rule(SECRET_ENV, [ECS_TASK_DEFINITION], _secret_env),
    resource_rule(SCAN_ON_PUSH, [ECR_REPOSITORY], _scan_on_push),
    resource_rule(TAG_IMMUTABILITY, [ECR_REPOSITORY], _tag_immutability),
]
