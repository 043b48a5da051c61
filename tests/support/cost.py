"""Plan-document resources written by hand for the cost calculator, and how its totals are compared."""

from __future__ import annotations

from typing import Any

from offline.cost.calculator import CostReport

H = 730  # hours per month


def res(type_token: str, name: str, inputs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One plan-document resource of `type_token`, as `make plan` writes it."""
    resource = {
        "urn": f"urn:pulumi:test::socialclub::{type_token}::{name}",
        "type": type_token,
        "name": name,
        "custom": True,
        "dependencies": [],
        "propertyDependencies": {},
        "inputs": inputs,
    }
    resource.update(extra)
    return resource


def total(report: CostReport) -> tuple[float, float]:
    """The report's monthly (min, max), rounded to 4 decimals so hand-computed figures compare exactly."""
    return round(report.monthly_min, 4), round(report.monthly_max, 4)


def fargate_service(
    arch: str, count: int, max_count: int | None = None, cpu: str = "1024", memory: str = "2048"
) -> list[dict[str, Any]]:
    """A Fargate task and service running `count` tasks (and, with `max_count`, its scaling target)."""
    task = res(
        "aws:ecs/taskDefinition:TaskDefinition",
        "api-task",
        {"cpu": cpu, "memory": memory, "requiresCompatibilities": ["FARGATE"], "runtimePlatform": {
            "cpuArchitecture": arch, "operatingSystemFamily": "LINUX"}},
    )  # fmt: skip
    service = res(
        "aws:ecs/service:Service",
        "api-service",
        {"desiredCount": float(count), "launchType": "FARGATE", "taskDefinition": "arn:task"},
        propertyDependencies={"taskDefinition": [task["urn"]]},
    )
    plan = [task, service]
    if max_count is not None:
        plan.append(
            res(
                "aws:appautoscaling/target:Target",
                "api-scaling",
                {
                    "minCapacity": float(count),
                    "maxCapacity": float(max_count),
                    "scalableDimension": "ecs:service:DesiredCount",
                    "resourceId": "service/cluster/api",
                },
                propertyDependencies={"resourceId": ["urn:cluster", service["urn"]]},
            )
        )
    return plan
