"""Savings that keep every requirement, each priced by re-pricing the same plan with one change. Shown, not
applied: the plan is copied, never modified.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from offline.cost.calculator import (
    NAT_GATEWAY,
    TASK_DEFINITION,
    VPC_ENDPOINT,
    PlanResource,
    SupportsToPlan,
    as_plan,
    estimate,
)
from offline.cost.prices import PriceBook, default_prices
from stackconfig.cost import CostAssumptions

Plan = list[dict[str, Any]]
Change = Callable[[Plan, PriceBook], str | None]
"""Edits a copy of the plan in place; returns what it changed, or None when it does not apply."""

CENT = 0.005
"""A change worth less than this is not a saving worth showing."""
RDS_INSTANCE = "aws:rds/instance:Instance"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
# The input holding each type's instance or node class, and the data file's table of that class's prices.
CLASS_INPUTS = {RDS_INSTANCE: ("instanceClass", "rds.postgresql"), REPLICATION_GROUP: ("nodeType", "elasticache.node")}


@dataclass(frozen=True)
class Saving:
    title: str
    change: str
    """What would change, resource by resource."""
    keeps: str
    """Why every requirement still holds."""
    monthly_min: float
    monthly_max: float
    in_place: bool = False
    """True for a saving the plan already has (the amounts are what removing it would cost)."""


def _inputs_of(plan: Plan, type_token: str) -> list[dict[str, Any]]:
    return [r["inputs"] for r in plan if r["type"] == type_token]


def arm64_fargate(plan: Plan, prices: PriceBook) -> str | None:
    changed = []
    for resource in plan:
        if resource["type"] != TASK_DEFINITION:
            continue
        platform = resource["inputs"].setdefault("runtimePlatform", {})
        if platform.get("cpuArchitecture", "X86_64") == "X86_64":
            platform["cpuArchitecture"] = "ARM64"
            changed.append(resource["name"])
    return f"task definitions {', '.join(changed)}: X86_64 -> ARM64" if changed else None


def valkey(plan: Plan, prices: PriceBook) -> str | None:
    changed = []
    for resource in plan:
        if resource["type"] == REPLICATION_GROUP and resource["inputs"].get("engine", "redis") == "redis":
            resource["inputs"]["engine"] = "valkey"
            resource["inputs"].pop("engineVersion", None)
            changed.append(resource["name"])
    return f"replication groups {', '.join(changed)}: redis -> valkey" if changed else None


def graviton(plan: Plan, prices: PriceBook) -> str | None:
    changed = []
    for resource in plan:
        if resource["type"] not in CLASS_INPUTS:
            continue
        key, table = CLASS_INPUTS[resource["type"]]
        current = resource["inputs"].get(key)
        target = prices.graviton_equivalents.get(str(current))
        if target and prices.class_price(table, target):
            resource["inputs"][key] = target
            changed.append(f"{resource['name']} {current} -> {target}")
    return "; ".join(changed) or None


def single_nat(plan: Plan, prices: PriceBook) -> str | None:
    gateways = [r for r in plan if r["type"] == NAT_GATEWAY]
    if len(gateways) < 2:
        return None
    dropped = gateways[1:]
    addresses = {urn for g in dropped for urn in (g.get("propertyDependencies") or {}).get("allocationId", [])}
    gone = {g["urn"] for g in dropped} | addresses
    plan[:] = [r for r in plan if r["urn"] not in gone]
    return f"keep {gateways[0]['name']}; drop {', '.join(g['name'] for g in dropped)} and their Elastic IPs"


def without_gateway_endpoints(plan: Plan, prices: PriceBook) -> str | None:
    endpoints = [
        r for r in plan if r["type"] == VPC_ENDPOINT and r["inputs"].get("vpcEndpointType", "Gateway") == "Gateway"
    ]
    if not endpoints:
        return None
    plan[:] = [r for r in plan if r not in endpoints]
    return f"without {', '.join(r['name'] for r in endpoints)}, S3 and DynamoDB traffic goes through NAT"


def with_gateway_endpoints(plan: Plan, prices: PriceBook) -> str | None:
    have = {str(i.get("serviceName", "")).rsplit(".", 1)[-1] for i in _inputs_of(plan, VPC_ENDPOINT)}
    missing = [s for s in ("s3", "dynamodb") if s not in have]
    if not missing or not any(r["type"] == NAT_GATEWAY for r in plan):
        return None
    plan.extend(
        {
            "urn": f"urn:pulumi:savings::socialclub::{VPC_ENDPOINT}::{service}-gateway-endpoint",
            "type": VPC_ENDPOINT,
            "name": f"{service}-gateway-endpoint",
            "custom": True,
            "inputs": {"vpcEndpointType": "Gateway", "serviceName": f"com.amazonaws.{prices.region}.{service}"},
        }
        for service in missing
    )
    return f"add {' and '.join(missing)} gateway endpoints on the private route tables"


@dataclass(frozen=True)
class Candidate:
    title: str
    apply: Change
    keeps: str
    production_allowed: bool = True
    in_place: bool = False


CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "ARM64 (Graviton) Fargate tasks",
        arm64_fargate,
        "same vCPU, memory and task counts; the backend image must be built for linux/arm64 (multi-arch build)",
    ),
    Candidate(
        "Valkey instead of Redis OSS",
        valkey,
        "same node type, count, Multi-AZ, failover and encryption; Valkey speaks the Redis protocol",
    ),
    Candidate(
        "Graviton instance and node classes",
        graviton,
        "same vCPU and memory per instance or node; PostgreSQL and Valkey/Redis run unchanged on Graviton",
    ),
    Candidate(
        "One NAT gateway (staging only)",
        single_nat,
        "egress from private subnets keeps working; losing that NAT's AZ stops egress, which the stack config "
        "accepts outside production (production requires one NAT per AZ)",
        production_allowed=False,
    ),
    Candidate(
        "S3 and DynamoDB gateway endpoints",
        with_gateway_endpoints,
        "free; the same traffic stays on the AWS network instead of the NAT gateways",
    ),
    Candidate(
        "S3 and DynamoDB gateway endpoints (already in place)",
        without_gateway_endpoints,
        "already in the plan: the amount is what their absence would add to the NAT gateways' data charge",
        in_place=True,
    ),
)


def find_savings(
    resources: Iterable[PlanResource | SupportsToPlan],
    assumptions: CostAssumptions,
    *,
    production: bool,
    prices: PriceBook | None = None,
) -> list[Saving]:
    """Each applicable candidate, priced as (cost now) - (cost with the change); then all of them at once."""
    book = prices or default_prices()
    plan: Plan = [dict(as_plan(r)) for r in resources]
    base = estimate(plan, assumptions, book)
    found: list[Saving] = []
    combined = copy.deepcopy(plan)
    for candidate in CANDIDATES:
        if production and not candidate.production_allowed:
            continue
        changed = copy.deepcopy(plan)
        what = candidate.apply(changed, book)
        if what is None:
            continue
        after = estimate(changed, assumptions, book)
        if candidate.in_place:
            low, high = after.monthly_min - base.monthly_min, after.monthly_max - base.monthly_max
        else:
            low, high = base.monthly_min - after.monthly_min, base.monthly_max - after.monthly_max
        if max(abs(low), abs(high)) < CENT:
            continue
        if not candidate.in_place:
            candidate.apply(combined, book)
        found.append(Saving(candidate.title, what, candidate.keeps, low, high, candidate.in_place))
    offered = [s for s in found if not s.in_place]
    if len(offered) > 1:
        after = estimate(combined, assumptions, book)
        found.append(
            Saving(
                "All of the above together",
                "every change listed above",
                "each keeps every requirement",
                base.monthly_min - after.monthly_min,
                base.monthly_max - after.monthly_max,
            )
        )
    return found
