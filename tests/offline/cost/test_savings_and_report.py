"""Savings are priced by re-pricing the same plan with one change, and never applied; the report shows them
beside the cost table of docs/requirements.md §9, whose own arithmetic it checks.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from offline.cost import cost_stack, find_savings, report
from offline.cost.cli import main
from offline.cost.report import signed, usd
from stackconfig.cost import CostAssumptions
from tests.support.cost import H, fargate_service, res

NO_TRAFFIC = CostAssumptions(nat_data_gb=0, s3_traffic_from_vpc_gb=0, dynamodb_traffic_from_vpc_gb=0)


def small_stack() -> list[dict[str, Any]]:
    eips = [res("aws:ec2/eip:Eip", f"nat-{az}", {"domain": "vpc"}) for az in "ab"]
    nats = [
        res("aws:ec2/natGateway:NatGateway", f"nat-{az}", {}, propertyDependencies={"allocationId": [eip["urn"]]})
        for az, eip in zip("ab", eips, strict=True)
    ]
    cache = res(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "cache",
        {"engine": "redis", "nodeType": "cache.t3.small", "numCacheClusters": 1.0},
    )
    db = res("aws:rds/instance:Instance", "db", {"instanceClass": "db.t3.small", "allocatedStorage": 20.0})
    return [*eips, *nats, cache, db, *fargate_service("X86_64", 2, max_count=5)]


def by_title(plan: list[dict[str, Any]], production: bool) -> dict[str, tuple[float, float]]:
    found = find_savings(plan, NO_TRAFFIC, production=production)
    return {s.title: (round(s.monthly_min, 4), round(s.monthly_max, 4)) for s in found}


def test_each_saving_is_the_price_difference_of_one_change() -> None:
    savings = by_title(small_stack(), production=False)
    per_task = (0.04048 - 0.03238) + 2 * (0.004445 - 0.00356)  # x86 minus ARM64, 1 vCPU / 2 GB
    assert savings["ARM64 (Graviton) Fargate tasks"] == (round(2 * per_task * H, 4), round(5 * per_task * H, 4))
    assert savings["Valkey instead of Redis OSS"] == (round(0.2 * 0.034 * H, 4),) * 2
    graviton = (0.034 - 0.032) * H + (0.036 - 0.032) * H  # cache.t3.small -> t4g.small, db.t3.small -> t4g.small
    assert savings["Graviton instance and node classes"] == (round(graviton, 4),) * 2
    one_nat = 0.045 * H + 0.005 * H  # the second gateway's hours and its Elastic IP
    assert savings["One NAT gateway (staging only)"] == (round(one_nat, 4),) * 2


def test_a_single_nat_gateway_is_never_offered_to_production() -> None:
    assert "One NAT gateway (staging only)" not in by_title(small_stack(), production=True)


def test_savings_leave_the_plan_untouched() -> None:
    plan = small_stack()
    before = copy.deepcopy(plan)
    find_savings(plan, NO_TRAFFIC, production=False)
    assert plan == before


def test_gateway_endpoints_in_place_are_shown_as_already_saving_the_nat_data_charge() -> None:
    plan = [
        res("aws:ec2/natGateway:NatGateway", "nat-a", {}),
        res(
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            "s3",
            {"vpcEndpointType": "Gateway", "serviceName": "com.amazonaws.us-east-1.s3"},
        ),
    ]
    assumptions = CostAssumptions(nat_data_gb=0, s3_traffic_from_vpc_gb=200, dynamodb_traffic_from_vpc_gb=0)
    [saving] = find_savings(plan, assumptions, production=True)
    assert saving.in_place
    assert round(saving.monthly_min, 4) == round(200 * 0.045, 4)
    [offer] = find_savings(plan[:1], assumptions, production=True)
    assert not offer.in_place and round(offer.monthly_min, 4) == round(200 * 0.045, 4)


def test_report_puts_the_required_figures_beside_each_row_and_checks_their_totals() -> None:
    staging = cost_stack("staging", small_stack(), NO_TRAFFIC, production=False)
    production = cost_stack("production", small_stack(), NO_TRAFFIC, production=True)
    text = report(staging, production)
    fargate_row = next(line for line in text.splitlines() if line.startswith("ECS Fargate"))
    assert "$45" in fargate_row and "$200" in fargate_row  # the staging and production figures of §9
    assert "staging: the rows add up to $256, but its Total row says $251 (off by $5)" in text
    assert "production: the rows add up to $1,206, matches" in text
    assert "One NAT gateway (staging only): would save" in text
    assert text.count("One NAT gateway") == 1


def test_the_cli_prices_a_saved_plan_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan_file, cost_file = tmp_path / "plan.json", tmp_path / "cost.json"
    plan_file.write_text(json.dumps({"project": "socialclub", "stack": "staging", "resources": small_stack()}))
    assert main([str(plan_file), "--json", str(cost_file)]) == 0
    assert "ElastiCache Redis" in capsys.readouterr().out
    document = json.loads(cost_file.read_text())["staging"]
    assert document["monthly"]["min"] > 0 and document["notPriced"] == []


def test_a_task_definition_without_a_platform_is_x86_64_and_gets_the_arm64_offer() -> None:
    stated, implicit = fargate_service("X86_64", 2), fargate_service("X86_64", 2)
    del implicit[0]["inputs"]["runtimePlatform"]  # Fargate's default is X86_64
    title = "ARM64 (Graviton) Fargate tasks"
    assert by_title(implicit, production=True)[title] == by_title(stated, production=True)[title]


def test_one_nat_gateway_is_offered_only_where_there_are_several() -> None:
    nat = res("aws:ec2/natGateway:NatGateway", "nat-a", {})
    assert "One NAT gateway (staging only)" not in by_title([nat], production=False)


S3_TRAFFIC = CostAssumptions(nat_data_gb=0, s3_traffic_from_vpc_gb=200, dynamodb_traffic_from_vpc_gb=0)


def test_an_interface_endpoint_is_not_a_gateway_endpoint_and_without_nat_there_is_nothing_to_save() -> None:
    nat = res("aws:ec2/natGateway:NatGateway", "nat-a", {})
    interface = res(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "s3",
        {"vpcEndpointType": "Interface", "serviceName": "com.amazonaws.us-east-1.s3"},
    )
    # The interface endpoint carries S3 at its own rate: no gateway endpoint "already saves", none is offered.
    assert find_savings([nat, interface], S3_TRAFFIC, production=True) == []
    assert find_savings([], S3_TRAFFIC, production=True) == []  # no NAT gateway, no NAT data charge to save


def test_a_saving_in_place_reads_already_saves() -> None:
    plan = [
        res("aws:ec2/natGateway:NatGateway", "nat-a", {}),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {"vpcEndpointType": "Gateway", "serviceName": "x.s3"}),
    ]
    text = report(cost_stack("production", plan, S3_TRAFFIC, production=True))
    assert "already saves $9.00/month" in text  # 200 GB x $0.045 of NAT data processing
    assert "would save" not in text


@pytest.mark.parametrize(
    ("amount", "plain", "with_sign"),
    [
        (3.456, "$3.46", "+$3.46"),  # cents below $10, so small services do not read as free
        (1234.4, "$1,234", "+$1,234"),
        (-5.0, "-$5.00", "-$5.00"),
        (-0.001, "$0.00", "$0.00"),  # nothing to sign
        (0.001, "$0.00", "$0.00"),
    ],
)
def test_amounts_read_as_whole_dollars_or_cents_with_a_sign_only_when_not_zero(
    amount: float, plain: str, with_sign: str
) -> None:
    assert (usd(amount), signed(amount)) == (plain, with_sign)


def test_the_largest_items_are_ranked_by_their_maximum() -> None:
    """Storage that may autoscale to 1,000 GB ($23-$230) ranks above a fixed $53 instance."""
    db = res(
        "aws:rds/instance:Instance",
        "db",
        {
            "instanceClass": "db.t3.small",
            "multiAz": True,
            "allocatedStorage": 100.0,
            "maxAllocatedStorage": 1000.0,
            "storageType": "gp3",
        },
    )
    text = report(cost_stack("production", [db], CostAssumptions(rds_backup_storage_ratio=1.0), production=True))
    largest = text.split("largest items (by max):\n", 1)[1].splitlines()[:2]
    assert [line.split("  ")[1] for line in largest] == ["1. $23-$230", "2. $53"]
