"""The calculator on hand-computed cases. Each expected figure is written as price x quantity x hours with the
us-east-1 list prices of the data file, so a reader can check it with a pocket calculator.
"""

from __future__ import annotations

from typing import Any

import pytest

from offline.cost import estimate
from offline.cost.calculator import FREE_TYPES, PRICERS
from offline.wire import REDACTED
from stackconfig.cost import CostAssumptions
from tests.support.cost import H, fargate_service, res, total

NO_TRAFFIC = CostAssumptions(s3_traffic_from_vpc_gb=0, dynamodb_traffic_from_vpc_gb=0)


def test_multi_az_db_r6g_xlarge_with_100_gb_gp3() -> None:
    db = res(
        "aws:rds/instance:Instance",
        "db",
        {
            "engine": "postgres",
            "instanceClass": "db.r6g.xlarge",
            "multiAz": True,
            "allocatedStorage": 100.0,
            "storageType": "gp3",
            "backupRetentionPeriod": 30.0,
        },
    )
    report = estimate([db], CostAssumptions(rds_backup_storage_ratio=1.0))
    instance = 2 * 0.449 * H  # primary + standby: $655.54
    storage = 2 * 100 * 0.115  # both copies of 100 GB gp3 at its 3,000 IOPS / 125 MB/s baseline: $23.00
    assert total(report) == (round(instance + storage, 4),) * 2
    assert [line.service for line in report.lines] == ["RDS PostgreSQL", "RDS PostgreSQL"]


def test_rds_storage_ceiling_and_backups_beyond_the_free_100_percent_raise_the_max() -> None:
    db = res(
        "aws:rds/instance:Instance",
        "db",
        {
            "instanceClass": "db.r6g.xlarge",
            "multiAz": True,
            "allocatedStorage": 100.0,
            "maxAllocatedStorage": 1000.0,
            "storageType": "gp3",
            "backupRetentionPeriod": 30.0,
        },
    )
    report = estimate([db], CostAssumptions(rds_backup_storage_ratio=1.3))
    instance = 2 * 0.449 * H
    low = instance + 2 * 100 * 0.115 + 0.3 * 100 * 0.095  # backups: 30% beyond the free 100% x $0.095/GB
    high = instance + 2 * 1000 * 0.115 + 0.3 * 1000 * 0.095  # storage autoscaling ceiling of 1,000 GB
    assert total(report) == (round(low, 4), round(high, 4))


def test_gp3_iops_above_the_baseline_are_billed_per_copy() -> None:
    db = res(
        "aws:rds/instance:Instance",
        "db",
        {"instanceClass": "db.t4g.small", "allocatedStorage": 400.0, "storageType": "gp3", "iops": 15000.0},
    )
    report = estimate([db], CostAssumptions(rds_backup_storage_ratio=1.0))
    # 400 GB is a "large" gp3 volume: 12,000 IOPS included, 3,000 billed at $0.02.
    assert total(report)[0] == round(0.032 * H + 400 * 0.115 + 3000 * 0.02, 4)


def test_three_cache_r6g_xlarge_nodes_and_the_valkey_discount() -> None:
    redis = res(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "cache",
        {"engine": "redis", "nodeType": "cache.r6g.xlarge", "numCacheClusters": 3.0},
    )
    # $900.09; docs/requirements.md §9 says $150
    assert total(estimate([redis], NO_TRAFFIC)) == (round(3 * 0.411 * H, 4),) * 2
    valkey = res("aws:elasticache/replicationGroup:ReplicationGroup", "cache", {**redis["inputs"], "engine": "valkey"})
    assert total(estimate([valkey], NO_TRAFFIC)) == (round(3 * 0.411 * 0.8 * H, 4),) * 2  # 20% lower per node


def test_three_fargate_tasks_of_1_vcpu_2_gb_on_x86_64_and_arm64() -> None:
    x86 = estimate(fargate_service("X86_64", 3), NO_TRAFFIC)
    arm = estimate(fargate_service("ARM64", 3), NO_TRAFFIC)
    assert total(x86) == (round(3 * (1 * 0.04048 + 2 * 0.004445) * H, 4),) * 2  # $108.12
    assert total(arm) == (round(3 * (1 * 0.03238 + 2 * 0.00356) * H, 4),) * 2  # $86.51
    assert x86.lines[0].service == "ECS Fargate"


def test_fargate_min_is_the_desired_count_and_max_the_autoscaling_maximum() -> None:
    report = estimate(fargate_service("X86_64", 3, max_count=10), NO_TRAFFIC)
    per_task = (0.04048 + 2 * 0.004445) * H
    assert total(report) == (round(3 * per_task, 4), round(10 * per_task, 4))


def test_fargate_cpu_and_memory_strings_are_task_units() -> None:
    report = estimate(fargate_service("X86_64", 2, cpu="512", memory="1024"), NO_TRAFFIC)
    # the staging task of docs/requirements.md §3.1
    assert total(report)[0] == round(2 * (0.5 * 0.04048 + 1 * 0.004445) * H, 4)


def test_one_nat_gateway_with_100_gb() -> None:
    nat = res("aws:ec2/natGateway:NatGateway", "nat-a", {"connectivityType": "public"})
    report = estimate([nat], NO_TRAFFIC.model_copy(update={"nat_data_gb": 100}))
    assert total(report) == (round(0.045 * H + 100 * 0.045, 4),) * 2  # $32.85 + $4.50


def test_nat_data_is_shared_by_the_gateways_and_grows_without_gateway_endpoints() -> None:
    nats = [res("aws:ec2/natGateway:NatGateway", f"nat-{az}", {}) for az in "abc"]
    assumptions = CostAssumptions(nat_data_gb=90, s3_traffic_from_vpc_gb=30, dynamodb_traffic_from_vpc_gb=0)
    without = estimate(nats, assumptions)
    assert [round(line.monthly_min, 4) for line in without.lines] == [round(0.045 * H + 120 / 3 * 0.045, 4)] * 3
    s3 = res(
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "s3",
        {"vpcEndpointType": "Gateway", "serviceName": "com.amazonaws.us-east-1.s3"},
    )
    with_endpoint = estimate([*nats, s3], assumptions)
    assert round(with_endpoint.monthly_min, 4) == round(3 * 0.045 * H + 90 * 0.045, 4)


def test_internet_facing_alb_pays_hours_lcus_and_one_public_ipv4_per_az() -> None:
    alb = res(
        "aws:lb/loadBalancer:LoadBalancer", "alb", {"loadBalancerType": "application", "subnets": ["a", "b", "c"]}
    )
    report = estimate([alb], CostAssumptions(alb_lcus=1))
    assert [round(line.monthly_min, 4) for line in report.lines] == [
        round((0.0225 + 1 * 0.008) * H, 4),  # $22.27
        round(3 * 0.005 * H, 4),  # $10.95
    ]
    assert [line.service for line in report.lines] == ["ALB", "Other"]


def test_provisioned_dynamodb_is_priced_up_to_its_autoscaling_maximum() -> None:
    table = res(
        "aws:dynamodb/table:Table",
        "sessions",
        {
            "billingMode": "PROVISIONED",
            "readCapacity": 10.0,
            "writeCapacity": 5.0,
            "pointInTimeRecovery": {"enabled": True},
        },
    )
    target = res(
        "aws:appautoscaling/target:Target",
        "sessions-read",
        {"maxCapacity": 100.0, "minCapacity": 10.0, "scalableDimension": "dynamodb:table:ReadCapacityUnits"},
        propertyDependencies={"resourceId": [table["urn"]]},
    )
    report = estimate([table, target], CostAssumptions(dynamodb_storage_gb=1))
    fixed = 1 * 0.25 + 1 * 0.20  # 1 GB stored + PITR
    low = (10 * 0.00013 + 5 * 0.00065) * H + fixed
    high = (100 * 0.00013 + 5 * 0.00065) * H + fixed
    assert total(report) == (round(low, 4), round(high, 4))


def test_on_demand_dynamodb_uses_the_request_assumptions() -> None:
    table = res("aws:dynamodb/table:Table", "presence", {"billingMode": "PAY_PER_REQUEST"})
    report = estimate(
        [table],
        CostAssumptions(
            dynamodb_read_request_units_millions=10, dynamodb_write_request_units_millions=2, dynamodb_storage_gb=0
        ),
    )
    assert total(report)[0] == round(10 * 0.125 + 2 * 0.625, 4)


def test_small_per_unit_services() -> None:
    plan = [
        res("aws:kms/key:Key", "key", {"enableKeyRotation": True}),
        res("aws:secretsmanager/secret:Secret", "jwt", {}),
        res("aws:cloudwatch/metricAlarm:MetricAlarm", "cpu", {"period": 60.0}),
        res("aws:cloudwatch/dashboard:Dashboard", "overview", {}),
        res("aws:route53/zone:Zone", "zone", {}),
        res("aws:route53/healthCheck:HealthCheck", "api", {"type": "HTTPS", "requestInterval": 30.0}),
    ]
    assumptions = CostAssumptions(kms_requests_per_key=0, secrets_api_calls_per_secret=0, route53_queries_millions=0)
    lines = {
        line.urn.rsplit("::", 1)[-1]: (line.monthly_min, line.monthly_max) for line in estimate(plan, assumptions).lines
    }
    assert lines == {
        "key": (1.00, 1.00 + 2 * 1.00),  # after two yearly rotations, two more billed key versions
        "jwt": (0.40, 0.40),
        "cpu": (0.10, 0.10),
        "overview": (3.00, 3.00),  # the account's 3 free dashboards are not deducted
        "zone": (0.50, 0.50),
        "api": (0.50 + 1.00, 0.75 + 2.00),  # HTTPS feature; AWS-endpoint rate to non-AWS rate
    }


def test_metric_math_alarm_is_billed_per_metric() -> None:
    queries = [
        {"id": "errors", "metric": {"metricName": "HTTPCode_Target_5XX_Count", "period": 60.0}},
        {"id": "requests", "metric": {"metricName": "RequestCount", "period": 60.0}},
        {"id": "rate", "expression": "errors / requests", "returnData": True},
    ]
    alarm = res("aws:cloudwatch/metricAlarm:MetricAlarm", "error-rate", {"metricQueries": queries})
    assert total(estimate([alarm], CostAssumptions())) == (round(2 * 0.10, 4),) * 2


def test_cloudfront_price_class_decides_the_rate_of_each_viewer_region() -> None:
    inputs = {"enabled": True, "priceClass": "PriceClass_100"}
    distribution = res("aws:cloudfront/distribution:Distribution", "site", inputs)
    share = CostAssumptions(
        cloudfront_data_out_gb=1000,
        cloudfront_requests_millions=0,
        cloudfront_viewer_share={"northAmerica": 0.5, "japan": 0.5},
    )
    # PriceClass_100 serves Japan from North American / European edges, at their rate.
    assert total(estimate([distribution], share))[0] == round(1000 * 0.085, 4)
    everywhere = res("aws:cloudfront/distribution:Distribution", "site", {**inputs, "priceClass": "PriceClass_All"})
    assert total(estimate([everywhere], share))[0] == round(500 * 0.085 + 500 * 0.114, 4)


def test_unknown_types_are_listed_not_priced_and_never_counted_as_zero() -> None:
    plan = [
        res("aws:sagemaker/endpoint:Endpoint", "model", {}),
        res("aws:kms/key:Key", "key", {}),
        res("aws:ec2/subnet:Subnet", "private-a", {}),
        res("socialclub:network:Vpc", "network", {}, custom=False),
    ]
    report = estimate(plan, CostAssumptions(kms_requests_per_key=0))
    assert report.to_document()["notPriced"] == ["urn:pulumi:test::socialclub::aws:sagemaker/endpoint:Endpoint::model"]
    assert "no price for type aws:sagemaker/endpoint:Endpoint" in report.not_priced[plan[0]["urn"]]
    assert [line.urn for line in report.lines] == [plan[1]["urn"]]  # subnet free, component not a cloud resource


def test_unknown_classes_and_secret_inputs_are_not_priced() -> None:
    plan = [
        res("aws:rds/instance:Instance", "db", {"instanceClass": "db.x9.huge", "allocatedStorage": 20.0}),
        res("aws:elasticache/replicationGroup:ReplicationGroup", "cache", {"nodeType": REDACTED}),
    ]
    report = estimate(plan, CostAssumptions())
    assert report.lines == []
    assert report.not_priced == {
        plan[0]["urn"]: "db.x9.huge is not in the data file",
        plan[1]["urn"]: "input nodeType is not known before deployment",
    }


def test_the_cost_document_has_exactly_the_issue_keys() -> None:
    document = estimate(fargate_service("ARM64", 1, max_count=2), NO_TRAFFIC).to_document()
    assert list(document) == ["currency", "region", "pricesDated", "monthly", "lines", "notPriced"]
    assert document["currency"] == "USD" and document["region"] == "us-east-1"
    assert list(document["monthly"]) == ["min", "max"]
    assert list(document["lines"][0]) == ["urn", "service", "description", "monthlyMin", "monthlyMax"]
    assert document["monthly"]["max"] == round(2 * (0.03238 + 2 * 0.00356) * H, 2)


def test_every_priced_type_is_not_also_listed_free() -> None:
    assert not set(PRICERS) & set(FREE_TYPES)


@pytest.mark.parametrize(
    ("field", "value"),
    [("cloudfrontViewerShare", {"northAmerica": 0.5}), ("natDataGb", -1), ("hoursPerMonth", 1000)],
)
def test_bad_assumptions_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field if field != "cloudfrontViewerShare" else "add up to 1"):
        CostAssumptions.model_validate({field: value})


def waf_rules(*groups: str) -> list[dict[str, Any]]:
    rate = {"name": "rate", "priority": 0.0, "statement": {"rateBasedStatement": {"limit": 2000.0}}}
    managed = [
        {"name": g, "priority": float(i), "statement": {"managedRuleGroupStatement": {"name": g, "vendorName": "AWS"}}}
        for i, g in enumerate(groups, 1)
    ]
    return [rate, *managed]


def test_a_web_acl_pays_itself_its_rules_and_the_requests_of_the_entry_point_it_guards() -> None:
    plan = [
        res("aws:wafv2/webAcl:WebAcl", "edge", {"scope": "CLOUDFRONT", "rules": waf_rules("A", "B", "C")}),
        res("aws:wafv2/webAcl:WebAcl", "api", {"scope": "REGIONAL", "rules": waf_rules("A")}),
        res("aws:wafv2/webAclAssociation:WebAclAssociation", "api-waf", {}),
        res("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "api-logging", {}),
    ]
    report = estimate(plan, CostAssumptions(cloudfront_requests_millions=50, alb_requests_millions=5))
    lines = {line.urn.rsplit("::", 1)[-1]: (line.service, line.monthly_min) for line in report.lines}
    assert lines == {
        "edge": ("WAF", 5.00 + 4 * 1.00 + 50 * 0.60),  # CloudFront's requests all pass its ACL
        "api": ("WAF", 5.00 + 2 * 1.00 + 5 * 0.60),  # the ALB's requests
    }
    assert report.not_priced == {}


def test_a_paid_managed_rule_group_is_not_priced_as_a_plain_rule() -> None:
    rules = waf_rules("AWSManagedRulesBotControlRuleSet")
    plan = [res("aws:wafv2/webAcl:WebAcl", "edge", {"scope": "CLOUDFRONT", "rules": rules})]
    report = estimate(plan, CostAssumptions())
    assert report.lines == []
    assert "AWSManagedRulesBotControlRuleSet" in next(iter(report.not_priced.values()))


def test_the_dnssec_signing_key_costs_its_month_and_its_few_asymmetric_requests_never_rotations() -> None:
    plan = [
        res("aws:kms/key:Key", "dnssec", {"customerMasterKeySpec": "ECC_NIST_P256", "keyUsage": "SIGN_VERIFY"}),
        res("aws:route53/keySigningKey:KeySigningKey", "ksk", {}),
        res("aws:route53/hostedZoneDnsSec:HostedZoneDnsSec", "signing", {}),
        res("aws:route53/queryLog:QueryLog", "queries", {}),
    ]
    report = estimate(plan, CostAssumptions(kms_asymmetric_requests_per_key=10_000))
    assert [(line.service, line.monthly_min, line.monthly_max) for line in report.lines] == [
        ("KMS", 1.00 + 1 * 0.15, 1.00 + 1 * 0.15)
    ]
    assert report.not_priced == {}


def test_a_replicated_secret_is_billed_once_per_region_it_lives_in() -> None:
    secret = res("aws:secretsmanager/secret:Secret", "jwt", {"replicas": [{"region": "eu-west-1"}]})
    report = estimate([secret], CostAssumptions(secrets_api_calls_per_secret=10_000))
    assert total(report) == (round(2 * 0.40 + 1 * 0.05, 4),) * 2  # two copies x $0.40 + 10k calls x $0.05


def test_a_lambda_is_billed_per_request_and_per_gb_second_of_its_memory() -> None:
    function = res("aws:lambda/function:Function", "fn", {"memorySize": 1024.0, "architectures": ["x86_64"]})
    report = estimate([function], CostAssumptions(lambda_invocations=1_000_000, lambda_duration_ms=500))
    # 1M calls x $0.20/M + 1M x 0.5 s x 1 GB (1,024 MB) x $0.0000166667/GB-s
    assert total(report) == (round(0.20 + 500_000 * 0.0000166667, 4),) * 2
