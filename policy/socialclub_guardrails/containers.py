"""Container hygiene: scanned images, read-only non-root non-privileged containers, secrets as ECS secrets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pulumi_policy import Policy, ResourceValidationArgs

from .helpers import (
    ADVISORY,
    ECR_REPOSITORY,
    ECS_TASK_DEFINITION,
    Config,
    Props,
    Rule,
    as_json,
    family,
    findings,
    get,
    items,
    resource_rule,
)

# Values that are credentials whatever the variable is called: AWS access keys, Stripe/Slack/GitHub/SendGrid/Google
# keys, private keys, JWTs, Slack webhooks, and URLs carrying user:password@.
SECRET_VALUES = (
    r"\b(AKIA|ASIA)[0-9A-Z]{16}\b|\b[rs]k_(live|test)_[0-9A-Za-z]{8,}|\bwhsec_[0-9A-Za-z]{16,}|"
    r"\bxox[abprs]-[0-9A-Za-z-]{10,}|\bgh[pousr]_[0-9A-Za-z]{30,}|\bSG\.[\w-]{16,}\.[\w-]{16,}|"
    r"\bAIza[0-9A-Za-z_-]{35}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----|\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.|"
    r"hooks\.slack\.com/services/|[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@"
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
    control="ECS.8, Lambda (Security Hub: no credentials in environment variables)",
    description="Secrets reach workloads (ECS task and daemon definitions, Express services, Batch jobs, Lambda "
    "functions, App Runner) as references to Secrets Manager, never as plain environment values: neither a "
    "variable named like a secret nor a value that looks like one.",
    fix="move the variable to secrets=[{'name': ..., 'valueFrom': <secret ARN>}] (Lambda/App Runner: read the "
    "secret at start-up, or runtime_environment_secrets).",
    schema={
        "secretNamePattern": {
            "type": "string",
            "minLength": 1,
            "default": "(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS|_DSN$|^DSN$|"
            "DATABASE_URL|REDIS_URL|AWS_ACCESS_KEY_ID|ECS_ENGINE_AUTH_DATA)",
            "description": "Regular expression of environment variable names that hold secrets.",
        },
        "secretValuePattern": {
            "type": "string",
            "minLength": 1,
            "default": SECRET_VALUES,
            "description": "Regular expression of values that are credentials whatever the variable's name.",
        },
    },
)


def _ecs_environments(props: Props) -> Iterator[tuple[str, Any]]:
    for container in items(as_json(get(props, "containerDefinitions", default="[]"))):
        yield f"container '{get(container, 'name', default='?')}'", get(container, "environment")


def _express_environments(props: Props) -> Iterator[tuple[str, Any]]:
    yield "the primary container", get(props, "primaryContainer", "environments")


def _batch_environments(props: Props) -> Iterator[tuple[str, Any]]:
    container = as_json(get(props, "containerProperties", default="{}"))
    yield "containerProperties", get(container, "environment")
    for task in items(get(as_json(get(props, "ecsProperties", default="{}")), "taskProperties")):
        for each in items(get(task, "containers")):
            yield f"ecsProperties container '{get(each, 'name', default='?')}'", get(each, "environment")
    for node in items(get(as_json(get(props, "nodeProperties", default="{}")), "nodeRangeProperties")):
        yield "nodeProperties container", get(node, "container", "environment")
    for each in items(get(props, "eksProperties", "podProperties", "containers")):
        yield f"eksProperties container '{get(each, 'name', default='?')}'", get(each, "envs")


def _lambda_environments(props: Props) -> Iterator[tuple[str, Any]]:
    yield "the function", get(props, "environment", "variables")


def _apprunner_environments(props: Props) -> Iterator[tuple[str, Any]]:
    source = get(props, "sourceConfiguration", default={})
    yield "the image", get(source, "imageRepository", "imageConfiguration", "runtimeEnvironmentVariables")
    code = get(source, "codeRepository", "codeConfiguration", "codeConfigurationValues")
    yield "the code configuration", get(code, "runtimeEnvironmentVariables")


# Where each member of the workload-environments family keeps its environment: a list of {name, value} or a map.
ENVIRONMENTS: dict[str, Callable[[Props], Iterator[tuple[str, Any]]]] = {
    "aws:ecs/taskDefinition:TaskDefinition": _ecs_environments,
    "aws:ecs/daemonTaskDefinition:DaemonTaskDefinition": _ecs_environments,
    "aws:ecs/expressGatewayService:ExpressGatewayService": _express_environments,
    "aws:batch/jobDefinition:JobDefinition": _batch_environments,
    "aws:lambda/function:Function": _lambda_environments,
    "aws:apprunner/service:Service": _apprunner_environments,
}


def _variables(environment: Any) -> list[tuple[str, str]]:
    if isinstance(environment, Mapping):
        return [(str(k), str(v)) for k, v in environment.items()]
    return [(str(get(v, "name", default="")), str(get(v, "value", default=""))) for v in items(environment)]


def _secret_env(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    names = re.compile(config["secretNamePattern"])
    values = re.compile(config["secretValuePattern"])
    for where, environment in ENVIRONMENTS[args.resource_type](args.props):
        for name, value in _variables(environment):
            if names.search(name):
                yield f"{where} gets '{name}' as a plain environment value."
            elif values.search(value):
                yield f"{where} gets a credential-looking value in '{name}' (plain environment value)."


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
    level=ADVISORY,  # the moving tags latest, staging and production (docs/requirements.md §3.2, §10.18)
)


def _tag_immutability(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    mutability = get(args.props, "imageTagMutability", default="MUTABLE")
    if not str(mutability).startswith("IMMUTABLE"):
        yield f"imageTagMutability is {mutability}: a pushed release tag can be overwritten."


POLICIES: list[Policy] = [
    resource_rule(READ_ONLY_ROOT, [ECS_TASK_DEFINITION], _read_only_root),
    resource_rule(UNPRIVILEGED, [ECS_TASK_DEFINITION], _unprivileged),
    resource_rule(SECRET_ENV, family("workload-environments"), _secret_env),
    resource_rule(SCAN_ON_PUSH, [ECR_REPOSITORY], _scan_on_push),
    resource_rule(TAG_IMMUTABILITY, [ECR_REPOSITORY], _tag_immutability),
]
