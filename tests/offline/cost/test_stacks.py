"""Both real stacks: every resource is priced or known to be free, and the calculator's total is within 10% of
an independent, deliberately simple sum of list prices (read straight from the JSON file) for the same
resources and assumptions.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline.cost import estimate
from offline.cost.cli import stack_inputs
from offline.cost.prices import DEFAULT_FILE
from stackconfig.cost import CostAssumptions
from tests.support import stack_plan

STACKS = ("staging", "production")


def independent_total(resources: list[dict[str, Any]], a: CostAssumptions) -> float:
    """The big items by their textbook formulas; small request charges are left out on purpose."""
    data = json.loads(DEFAULT_FILE.read_text())
    price: dict[str, float] = {key: entry["usd"] for key, entry in data["prices"].items()}
    rds: dict[str, float] = {name: entry["usd"] for name, entry in data["classes"]["rds.postgresql"].items()}
    nodes: dict[str, float] = {name: entry["usd"] for name, entry in data["classes"]["elasticache.node"].items()}
    h = a.hours_per_month
    urns = {r["urn"]: r for r in resources}
    total: float = a.nat_data_gb * price["vpc.natGateway.dataGb"]
    for r in resources:
        kind, i = r["type"].split(":")[-1], r["inputs"]
        if r["type"] == "aws:rds/instance:Instance":
            copies = 2 if i.get("multiAz") else 1
            total += copies * (rds[i["instanceClass"]] * h + i["allocatedStorage"] * price["rds.gp3.gbMonth"])
        elif r["type"] == "aws:elasticache/replicationGroup:ReplicationGroup":
            rate = nodes[i["nodeType"]] * (0.8 if i.get("engine") == "valkey" else 1)
            total += i.get("numCacheClusters", 1) * rate * h
        elif r["type"] == "aws:ecs/service:Service":
            task = urns[r["propertyDependencies"]["taskDefinition"][0]]["inputs"]
            arch = "linuxArm64" if task.get("runtimePlatform", {}).get("cpuArchitecture") == "ARM64" else "linuxX86"
            vcpu, gb = float(task["cpu"]) / 1024, float(task["memory"]) / 1024
            hourly = vcpu * price[f"fargate.{arch}.vcpuHour"] + gb * price[f"fargate.{arch}.gbHour"]
            total += i.get("desiredCount", 1) * hourly * h
        elif r["type"] == "aws:ec2/natGateway:NatGateway":
            total += price["vpc.natGateway.hour"] * h
        elif r["type"] == "aws:ec2/eip:Eip":
            total += price["vpc.publicIpv4.hour"] * h
        elif r["type"] == "aws:lb/loadBalancer:LoadBalancer":
            total += (price["elb.alb.hour"] + a.alb_lcus * price["elb.alb.lcuHour"]) * h
            total += len(i.get("subnets", [])) * price["vpc.publicIpv4.hour"] * h
        elif r["type"] == "aws:dynamodb/table:Table":
            if i.get("billingMode") == "PAY_PER_REQUEST":
                total += a.dynamodb_read_request_units_millions * price["dynamodb.onDemand.readMillion"]
                total += a.dynamodb_write_request_units_millions * price["dynamodb.onDemand.writeMillion"]
            else:
                total += i.get("readCapacity", 0) * price["dynamodb.provisioned.rcuHour"] * h
                total += i.get("writeCapacity", 0) * price["dynamodb.provisioned.wcuHour"] * h
        elif r["type"] == "aws:cloudfront/distribution:Distribution":
            total += a.cloudfront_data_out_gb * 0.085 + a.cloudfront_requests_millions * 100 * 0.01
        elif r["type"] == "aws:wafv2/webAcl:WebAcl":
            requests = a.cloudfront_requests_millions if i["scope"] == "CLOUDFRONT" else a.alb_requests_millions
            total += price["waf.webAcl.month"] + len(i["rules"]) * price["waf.rule.month"]
            total += requests * price["waf.requests.million"]
        else:
            total += {
                "Key": price["kms.key.month"],
                "Secret": price["secretsmanager.secret.month"],
                "MetricAlarm": price["cloudwatch.alarm.standardMetricMonth"],
                "Dashboard": price["cloudwatch.dashboard.month"],
                "LogGroup": a.log_ingestion_gb_per_group * price["cloudwatch.logs.ingestGb"],
                "FlowLog": a.flow_log_gb * price["cloudwatch.logs.vendedToLogsGb"],
                "Zone": price["route53.hostedZone.month"],
                "HealthCheck": price["route53.healthCheck.awsMonth"],
                "Bucket": a.s3_storage_gb * price["s3.standard.gbMonth"],
                "Repository": a.ecr_storage_gb * price["ecr.storage.gbMonth"],
            }.get(kind, 0.0)
    return total


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
def test_stack_has_the_seed_services_priced(stack: str) -> None:
    assumptions, _ = stack_inputs(stack)
    by_service = estimate(stack_plan(stack).resources, assumptions).by_service()
    missing = [s for s in ("ECS Fargate", "RDS PostgreSQL", "ElastiCache Redis", "DynamoDB", "S3", "CloudFront",
                           "ALB", "Route 53", "CloudWatch", "KMS", "Secrets Manager", "NAT Gateway")
               if by_service[s][0] <= 0]  # fmt: skip
    assert missing == []
