"""The `socialclub:service` section: the stack files' values, Fargate sizes, image references, production-only
rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from offline.harness import read_stack_settings
from stackconfig.aws_facts import FARGATE_MEMORY
from stackconfig.service import ServiceConfig, production_service_problems
from tests.support.config import errors_for

DIGEST = "sha256:" + "0123456789abcdef" * 4


def stack_section(stack: str) -> dict[str, Any]:
    config, _ = read_stack_settings(stack)
    section: dict[str, Any] = json.loads(config["socialclub:service"])
    return section


def service(**changes: Any) -> ServiceConfig:
    return section_of("staging", changes)


def production_service(**changes: Any) -> ServiceConfig:
    return section_of("production", changes)


def section_of(stack: str, changes: dict[str, Any]) -> ServiceConfig:
    data = stack_section(stack)
    data.update(changes)
    return ServiceConfig.model_validate(data, by_alias=True)


def loader_lines(stack: str, changes: dict[str, Any]) -> list[str]:
    """The loader's lines for a stack file with `changes` in its service section."""
    return errors_for(lambda settings: settings["service"].update(changes), stack)


def errors(**changes: Any) -> list[str]:
    return loader_lines("staging", changes)


@pytest.mark.parametrize(
    ("stack", "sizes"),
    [("staging", (512, 1024, 2, 5)), ("production", (1024, 2048, 3, 10))],
)
def test_stack_files_carry_the_required_sizes(stack: str, sizes: tuple[int, int, int, int]) -> None:
    s = ServiceConfig.model_validate(stack_section(stack), by_alias=True)
    assert (s.cpu, s.memory, s.min_tasks, s.max_tasks) == sizes
    assert s.container_port == 3001
    assert s.repository.name == "socialclub/backend"
    assert s.repository.create is False  # the account's repository is the bootstrap's
    assert s.enable_execute_command is False
    scaling = s.scaling
    assert (scaling.scale_out_cpu_percent, scaling.scale_out_memory_percent) == (70, 75)
    assert (scaling.scale_in_cpu_percent, scaling.scale_in_memory_percent) == (30, 50)
    assert scaling.cooldown_seconds == 300
    if stack == "production":
        assert list(production_service_problems(s)) == []


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        (
            {"cpu": 512, "memory": 512},
            "socialclub:service.memory = 512: Fargate accepts 1024-4096 MiB in steps of 1024 for cpu 512",
        ),
        (
            {"cpu": 1000},
            "socialclub:service.cpu = 1000: accepted: one of Fargate's CPU sizes "
            "[256, 512, 1024, 2048, 4096, 8192, 16384]",
        ),
        ({"minTasks": 6, "maxTasks": 5}, "socialclub:service.minTasks = 6: accepted: at most maxTasks (5)"),
        (
            {"image": "v1@sha256:abc"},
            "socialclub:service.image = 'v1@sha256:abc': digest 'sha256:abc' is not sha256: followed by 64 lowercase "
            "hex digits; accepted: <tag>, sha256:<digest>, <tag>@sha256:<digest>",
        ),
        (
            {"image": "-bad"},
            "socialclub:service.image = '-bad': tag '-bad' is not an image tag (letters, digits, . _ -; at most 128); "
            "accepted: <tag>, sha256:<digest>, <tag>@sha256:<digest>",
        ),
        (
            {"image": "v1.0.0", "buildContext": "../backend"},
            "socialclub:service.image = 'v1.0.0': accepted: one of image and buildContext, not both",
        ),
        (
            # A stack file without an image is what the repository holds; `pulumi up` from it must refuse, not
            # deploy a guess: the message says how to pin the running image.
            {"image": None},
            "socialclub:service.image = null: required: the deploy workflow sets it per deploy; before a manual "
            '`pulumi up` pin the running image with `pulumi config set --path socialclub:service.image "$(pulumi '
            'stack output serviceImage)"`',
        ),
        (
            {"scaling": {"scaleInCpuPercent": 80}},
            "socialclub:service.scaling.scaleInCpuPercent = 80.0: must be below scaleOutCpuPercent (70.0), or the "
            "service would scale in and out at once",
        ),
        (
            {"secretEnvironment": {"STRIPE_KEY": "integration/stripe"}},
            "socialclub:service.secretEnvironment.STRIPE_KEY = 'integration/stripe': not a SecretSet key; accepted: ",
        ),
        (
            {"secretEnvironment": {"stripeKey": "integration/stripe-key"}},
            "socialclub:service.secretEnvironment.stripeKey = 'integration/stripe-key': the variable name must be "
            "UPPER_SNAKE_CASE",
        ),
        (
            {"cpuArchitecture": "ARM"},
            "socialclub:service.cpuArchitecture = 'ARM': Input should be 'X86_64' or 'ARM64'",
        ),
        (
            {"logRetentionDays": 31},
            "socialclub:service.logRetentionDays = 31: Value error, not a CloudWatch Logs retention; accepted: ",
        ),
        (
            {"repository": {"movingTags": ["latest", "bad tag"]}},
            'socialclub:service.repository.movingTags = ["latest", "bad tag"]: Value error, not image tags: '
            "['bad tag']",
        ),
        ({"enableExec": True}, "socialclub:service.enableExec = true: unknown key; remove it or fix its spelling"),
    ],
)
def test_bad_service_config_names_the_key_the_value_and_what_is_accepted(changes: dict[str, Any], line: str) -> None:
    lines = errors(**changes)
    assert len(lines) == 1, lines
    assert lines[0].startswith(line)


def test_every_fargate_size_is_accepted_and_its_neighbours_are_not() -> None:
    for cpu, sizes in FARGATE_MEMORY.items():
        for memory in (sizes[0], sizes[-1]):
            assert service(cpu=cpu, memory=memory).memory == memory
        for memory in (sizes[0] - 1024, sizes[-1] + sizes[1] - sizes[0]):
            with pytest.raises(ValidationError):
                service(cpu=cpu, memory=memory)


def test_exec_in_production_needs_the_explicit_override() -> None:
    on = production_service(image=DIGEST, enableExecuteCommand=True)
    (problem,) = production_service_problems(on)
    assert problem.path == ("service", "enableExecuteCommand")
    assert "allowExecuteCommandInProduction" in problem.message
    override = production_service(image=DIGEST, enableExecuteCommand=True, allowExecuteCommandInProduction=True)
    assert list(production_service_problems(override)) == []


def test_production_refuses_moving_tags_but_takes_releases_and_digests() -> None:
    for moving in ("latest", "staging", "production"):
        (problem,) = production_service_problems(production_service(image=moving))
        assert problem.path == ("service", "image")
    for pinned in ("v1.0.0", DIGEST, f"production@{DIGEST}"):
        assert list(production_service_problems(production_service(image=pinned))) == []


def test_production_rules_reach_the_stack_loader() -> None:
    lines = loader_lines("production", {"image": "latest", "enableExecuteCommand": True})
    assert any(line.startswith("socialclub:service.image = 'latest': 'latest' is a moving tag") for line in lines)
    assert any(line.startswith("socialclub:service.enableExecuteCommand = true: ECS Exec") for line in lines)


@pytest.mark.parametrize(
    ("scaling", "line"),
    [
        # docs/requirements.md §3.1: out above CPU 70 % or memory 75 %, in below CPU 30 % and memory 50 %. A
        # scale-in threshold equal to its scale-out one leaves no band between them: refused, naming the key.
        (
            {"scaleOutCpuPercent": 70, "scaleInCpuPercent": 70},
            "socialclub:service.scaling.scaleInCpuPercent = 70.0: must be below scaleOutCpuPercent (70.0), or the "
            "service would scale in and out at once",
        ),
        (
            {"scaleOutMemoryPercent": 75, "scaleInMemoryPercent": 75},
            "socialclub:service.scaling.scaleInMemoryPercent = 75.0: must be below scaleOutMemoryPercent (75.0), or "
            "the service would scale in and out at once",
        ),
    ],
)
def test_scale_in_equal_to_scale_out_is_refused_naming_the_key(scaling: dict[str, float], line: str) -> None:
    assert errors(scaling=scaling) == [line]


def test_scale_in_just_below_scale_out_is_accepted() -> None:
    scaling = service(scaling={"scaleOutCpuPercent": 70, "scaleInCpuPercent": 69.9, "scaleInMemoryPercent": 74.9})
    assert (scaling.scaling.scale_in_cpu_percent, scaling.scaling.scale_in_memory_percent) == (69.9, 74.9)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"minTasks": 0}, "minTasks"),
        ({"containerPort": 1023}, "containerPort"),
        ({"scaling": {"cooldownSeconds": 59}}, "scaling.cooldownSeconds"),
        ({"loadBalancer": {"idleTimeoutSeconds": 4001}}, "loadBalancer.idleTimeoutSeconds"),
        ({"loadBalancer": {"idleTimeoutSeconds": 0}}, "loadBalancer.idleTimeoutSeconds"),
        ({"loadBalancer": {"ingressCidrs": []}}, "loadBalancer.ingressCidrs"),
        ({"loadBalancer": {"sslPolicy": "TLS13-1-2"}}, "loadBalancer.sslPolicy"),
    ],
)
def test_out_of_range_settings_are_refused_naming_the_key(changes: dict[str, Any], key: str) -> None:
    """The bounds AWS or the image set: at least one task, a port the non-root user may bind (>= 1024), a
    cooldown of at least a minute, an ALB idle timeout of 1-4000 s, someone allowed in, an ELB security policy."""
    (line,) = errors(**changes)
    assert line.startswith(f"socialclub:service.{key} = ")


@pytest.mark.parametrize(
    "changes",
    [
        {"minTasks": 5, "maxTasks": 5},
        {"minTasks": 1, "containerPort": 1024},
        {"scaling": {"cooldownSeconds": 60}},
        {"loadBalancer": {"idleTimeoutSeconds": 4000}},
        {"loadBalancer": {"idleTimeoutSeconds": 1, "sslPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06"}},
    ],
)
def test_settings_at_their_bounds_are_accepted(changes: dict[str, Any]) -> None:
    service(**changes)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"protect": False}, "protect"),
        ({"loadBalancer": {"deletionProtection": False}}, "loadBalancer.deletionProtection"),
        ({"loadBalancer": {"protect": False}}, "loadBalancer.protect"),
        (
            {"repository": {"name": "socialclub/backend", "movingTags": ["latest", "staging", "production"],
                            "create": True, "protect": False}},
            "repository.protect",
        ),
    ],
)  # fmt: skip
def test_production_keeps_the_service_safeguards_on(changes: dict[str, Any], key: str) -> None:
    """Production's ALB keeps deletion protection, and its log groups, ALB and own repository Pulumi `protect`
    (the settings' defaults); staging turns them off in its stack file."""
    lines = loader_lines("production", changes)
    assert lines == [f"socialclub:service.{key} = false: production keeps it on: a destroy or replacement would "
                     "delete production's logs, entry point or images"]  # fmt: skip
    staging = service(**changes)
    assert staging is not None
