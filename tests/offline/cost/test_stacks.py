"""Both real stacks: every resource is priced or known to be free, and the calculator's total is within 10% of
an independent, deliberately simple sum of list prices (read straight from the JSON file) for the same
resources and assumptions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from offline.cost import estimate
from offline.cost.cli import stack_inputs
from offline.cost.prices import DEFAULT_FILE
from stackconfig.cost import CostAssumptions
from tests.support import stack_plan

STACKS = ("staging", "production")


class Independent:
    """The big items by their textbook formulas; small request charges are left out on purpose."""

    def __init__(self, resources: list[dict[str, Any]], a: CostAssumptions) -> None:
        data = json.loads(DEFAULT_FILE.read_text())
        self.price: dict[str, float] = {key: entry["usd"] for key, entry in data["prices"].items()}
        self.rds = {name: float(entry["usd"]) for name, entry in data["classes"]["rds.postgresql"].items()}
        self.nodes = {name: float(entry["usd"]) for name, entry in data["classes"]["elasticache.node"].items()}
        self.a, self.h = a, a.hours_per_month
        self.urns = {r["urn"]: r for r in resources}

    def rds_instance(self, i: dict[str, Any]) -> float:
        copies = 2 if i.get("multiAz") else 1
        storage = float(i["allocatedStorage"]) * self.price["rds.gp3.gbMonth"]
        return copies * (self.rds[i["instanceClass"]] * self.h + storage)

    def cache(self, i: dict[str, Any]) -> float:
        rate = self.nodes[i["nodeType"]] * (0.8 if i.get("engine") == "valkey" else 1)
        return float(i.get("numCacheClusters", 1)) * rate * self.h

    def fargate(self, r: dict[str, Any]) -> float:
        task = self.urns[r["propertyDependencies"]["taskDefinition"][0]]["inputs"]
        arch = "linuxArm64" if task.get("runtimePlatform", {}).get("cpuArchitecture") == "ARM64" else "linuxX86"
        vcpu, gb = float(task["cpu"]) / 1024, float(task["memory"]) / 1024
        hourly = vcpu * self.price[f"fargate.{arch}.vcpuHour"] + gb * self.price[f"fargate.{arch}.gbHour"]
        return float(r["inputs"].get("desiredCount", 1)) * hourly * self.h

    def alb(self, i: dict[str, Any]) -> float:
        public_ips = len(i.get("subnets", [])) * self.price["vpc.publicIpv4.hour"]
        return (self.price["elb.alb.hour"] + self.a.alb_lcus * self.price["elb.alb.lcuHour"] + public_ips) * self.h

    def table(self, i: dict[str, Any]) -> float:
        p, a = self.price, self.a
        if i.get("billingMode") == "PAY_PER_REQUEST":
            return (
                a.dynamodb_read_request_units_millions * p["dynamodb.onDemand.readMillion"]
                + a.dynamodb_write_request_units_millions * p["dynamodb.onDemand.writeMillion"]
            )
        reads = float(i.get("readCapacity", 0)) * p["dynamodb.provisioned.rcuHour"]
        writes = float(i.get("writeCapacity", 0)) * p["dynamodb.provisioned.wcuHour"]
        return (reads + writes) * self.h

    def web_acl(self, i: dict[str, Any]) -> float:
        requests = self.a.cloudfront_requests_millions if i["scope"] == "CLOUDFRONT" else self.a.alb_requests_millions
        p = self.price
        return p["waf.webAcl.month"] + len(i["rules"]) * p["waf.rule.month"] + requests * p["waf.requests.million"]

    def flat(self, kind: str) -> float:
        p, a = self.price, self.a
        return {
            "Key": p["kms.key.month"],
            "Secret": p["secretsmanager.secret.month"],
            "MetricAlarm": p["cloudwatch.alarm.standardMetricMonth"],
            "Dashboard": p["cloudwatch.dashboard.month"],
            "LogGroup": a.log_ingestion_gb_per_group * p["cloudwatch.logs.ingestGb"],
            "FlowLog": a.flow_log_gb * p["cloudwatch.logs.vendedToLogsGb"],
            "Zone": p["route53.hostedZone.month"],
            "HealthCheck": p["route53.healthCheck.awsMonth"],
            "Bucket": a.s3_storage_gb * p["s3.standard.gbMonth"],
            "Repository": a.ecr_storage_gb * p["ecr.storage.gbMonth"],
            "NatGateway": p["vpc.natGateway.hour"] * self.h,
            "Eip": p["vpc.publicIpv4.hour"] * self.h,
            "Distribution": a.cloudfront_data_out_gb * 0.085 + a.cloudfront_requests_millions * 100 * 0.01,
        }.get(kind, 0.0)

    def of(self, r: dict[str, Any]) -> float:
        by_type: dict[str, Callable[[], float]] = {
            "aws:rds/instance:Instance": lambda: self.rds_instance(r["inputs"]),
            "aws:elasticache/replicationGroup:ReplicationGroup": lambda: self.cache(r["inputs"]),
            "aws:ecs/service:Service": lambda: self.fargate(r),
            "aws:lb/loadBalancer:LoadBalancer": lambda: self.alb(r["inputs"]),
            "aws:dynamodb/table:Table": lambda: self.table(r["inputs"]),
            "aws:wafv2/webAcl:WebAcl": lambda: self.web_acl(r["inputs"]),
        }
        price = by_type.get(r["type"], lambda: self.flat(r["type"].split(":")[-1]))
        return price()


def independent_total(resources: list[dict[str, Any]], a: CostAssumptions) -> float:
    """NAT data plus each resource's textbook price."""
    independent = Independent(resources, a)
    return a.nat_data_gb * independent.price["vpc.natGateway.dataGb"] + sum(independent.of(r) for r in resources)


@pytest.mark.parametrize("stack", STACKS)
def test_total_is_within_10_percent_of_an_independent_calculation(stack: str) -> None:
    resources = [r.to_plan() for r in stack_plan(stack).resources]
    assumptions, _ = stack_inputs(stack)
    calculated = estimate(resources, assumptions).monthly_min
    independent = independent_total(resources, assumptions)
    assert independent > 0
    assert abs(calculated - independent) <= 0.10 * independent, (calculated, independent)


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_is_priced_or_known_free(stack: str) -> None:
    assumptions, _ = stack_inputs(stack)
    report = estimate(stack_plan(stack).resources, assumptions)
    assert report.not_priced == {}


@pytest.mark.parametrize("stack", STACKS)
def test_stack_has_the_required_services_priced(stack: str) -> None:
    assumptions, _ = stack_inputs(stack)
    by_service = estimate(stack_plan(stack).resources, assumptions).by_service()
    missing = [s for s in ("ECS Fargate", "RDS PostgreSQL", "ElastiCache Redis", "DynamoDB", "S3", "CloudFront",
                           "ALB", "Route 53", "CloudWatch", "KMS", "Secrets Manager", "NAT Gateway")
               if by_service[s][0] <= 0]  # fmt: skip
    assert missing == []
