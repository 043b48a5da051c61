"""PostgresDb under mocks, built from hand-made arguments."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
import pytest

from components.naming import check_identifier
from components.postgres_db import PARAMETERS, PostgresDb, PostgresDbArgs, database_url, db_user_arn, master_secret_arn
from offline.harness import Plan
from stackconfig.data import PostgresDbSettings
from tests.support import aws_context, group_id, inputs, rules_of, run_component
from tests.support.data import (
    EGRESS,
    INGRESS,
    KEY_ARN,
    NETWORK,
    SECRET_VERSION,
    VPC_ID,
    StandInClient,
    secret_set,
)

INSTANCE = "aws:rds/instance:Instance"


def build(**overrides: Any) -> Callable[[], None]:
    def program() -> None:
        context = aws_context()
        db = PostgresDb(
            "db",
            PostgresDbArgs(
                context=context,
                identifier="socialclub-test-postgres",
                network=NETWORK,
                kms_key_arn=KEY_ARN,
                secrets=secret_set(context),
                settings=PostgresDbSettings(**overrides),
            ),
        )
        backend = aws.ec2.SecurityGroup("backend", vpc_id=VPC_ID, description="the API tasks")
        db.ingress_rule(StandInClient(backend.id))
        api = aws.iam.Role("api-task", assume_role_policy="{}")
        db.grant_connect(api, "backend")

    return program


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_component(build())


def test_defaults_are_the_secure_staging_database(plan: Plan) -> None:
    db = inputs(plan.one(INSTANCE))
    assert db["engine"] == "postgres"
    assert db["engineVersion"] == "15"
    assert db["autoMinorVersionUpgrade"] is True
    assert db["allowMajorVersionUpgrade"] is False
    assert db["instanceClass"] == "db.t3.small"
    assert db["multiAz"] is True
    assert (db["storageType"], db["allocatedStorage"], db["maxAllocatedStorage"]) == ("gp3", 100, 1000)
    assert "iops" not in db and "storageThroughput" not in db  # gp3 baseline below 400 GiB
    assert db["storageEncrypted"] is True
    assert db["kmsKeyId"] == KEY_ARN
    assert db["manageMasterUserPassword"] is True
    assert db["masterUserSecretKmsKeyId"] == KEY_ARN
    assert "password" not in db
    assert db["iamDatabaseAuthenticationEnabled"] is True
    assert db["publiclyAccessible"] is False
    assert db["dbSubnetGroupName"] == "data-subnets"
    assert db["port"] == 5432
    assert db["caCertIdentifier"] == "rds-ca-rsa2048-g1"
    assert db["backupRetentionPeriod"] == 30
    assert (db["backupWindow"], db["maintenanceWindow"]) == ("03:00-04:00", "sun:04:30-sun:05:30")
    assert db["copyTagsToSnapshot"] is True
    assert db["deleteAutomatedBackups"] is False
    assert db["deletionProtection"] is True
    assert db["skipFinalSnapshot"] is False
    # A suffix drawn at creation, so a second stack with the same identifier can still be destroyed.
    assert re.fullmatch(r"socialclub-test-postgres-final-[0-9a-f]{8}", db["finalSnapshotIdentifier"])
    assert plan.one(INSTANCE).protect is True


def test_tls_is_required_by_the_parameter_group(plan: Plan) -> None:
    group = plan.one("aws:rds/parameterGroup:ParameterGroup")
    params = {p["name"]: p["value"] for p in inputs(group)["parameters"]}
    assert inputs(group)["family"] == "postgres15"
    assert params["rds.force_ssl"] == "1"
    assert params["ssl_min_protocol_version"] == "TLSv1.2"
    assert {"log_min_duration_statement", "log_connections", "log_disconnections", "log_lock_waits"} <= set(params)
    assert params == PARAMETERS
    assert "log_statement" not in params  # it would log ALTER ROLE ... PASSWORD in clear
    assert params["password_encryption"] == "scram-sha-256"  # the migration task's channel binding needs SCRAM
    assert inputs(plan.one(INSTANCE))["parameterGroupName"] == group.outputs["name"]


def test_insights_monitoring_and_log_exports(plan: Plan) -> None:
    db = inputs(plan.one(INSTANCE))
    assert db["performanceInsightsEnabled"] is True
    assert db["performanceInsightsKmsKeyId"] == KEY_ARN
    assert db["performanceInsightsRetentionPeriod"] == 7
    assert db["monitoringInterval"] == 60
    role = plan.one("aws:iam/role:Role", "db-monitoring")
    assert db["monitoringRoleArn"] == role.outputs["arn"]
    trust = inputs(role)["assumeRolePolicy"]
    assert '"monitoring.rds.amazonaws.com"' in trust and '"aws:SourceAccount": "123456789012"' in trust
    attachment = inputs(plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert db["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    groups = {inputs(g)["name"]: inputs(g) for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert set(groups) == {
        "/aws/rds/instance/socialclub-test-postgres/postgresql",
        "/aws/rds/instance/socialclub-test-postgres/upgrade",
    }
    for group in groups.values():
        assert (group["retentionInDays"], group["kmsKeyId"]) == (7, KEY_ARN)
    # The groups exist before RDS starts exporting into them (else RDS creates them unencrypted, kept forever).
    log_urns = {g.urn for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert log_urns <= set(plan.one(INSTANCE).dependencies)


def test_url_secret_names_the_app_user_without_password_and_master_secret_rotates_every_30_days(plan: Plan) -> None:
    instance = plan.one(INSTANCE)
    url = inputs(plan.one(SECRET_VERSION, "secrets-database-database-url-value"))["secretString"]
    assert url == database_url("socialclub_app", instance.outputs["address"], 5432, "socialclub")
    assert url.startswith("postgresql://socialclub_app@socialclub-test-postgres.")
    assert ":" not in url.split("@")[0].removeprefix("postgresql://")  # no password
    assert url.endswith(":5432/socialclub?sslmode=verify-full")
    rotation = inputs(plan.one("aws:secretsmanager/secretRotation:SecretRotation"))
    assert rotation["secretId"] == instance.outputs["masterUserSecrets"][0]["secretArn"]
    assert rotation["rotationRules"] == {"automaticallyAfterDays": 30}
    # Not at creation (the provider's default): the first tasks start with the password they just read.
    assert rotation["rotateImmediately"] is False


def test_grant_connect_names_exactly_the_app_user_of_this_instance(plan: Plan) -> None:
    instance = plan.one(INSTANCE)
    resource_id = instance.outputs["resourceId"]
    assert resource_id.startswith("db-")
    (policy,) = [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == "db-connect-backend"]
    assert inputs(policy)["role"] == plan.one("aws:iam/role:Role", "api-task").outputs["id"]
    (grant,) = json.loads(inputs(policy)["policy"])["Statement"]
    assert grant == {
        "Effect": "Allow",
        "Action": ["rds-db:connect"],
        "Sid": "ConnectAsTheApplicationUser",
        "Resource": [f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{resource_id}/socialclub_app"],
    }
    assert grant["Resource"] == [db_user_arn("aws", "us-east-1", "123456789012", resource_id, "socialclub_app")]


def test_the_app_user_is_configurable() -> None:
    plan = run_component(build(app_username="api_rw"))
    url = inputs(plan.one(SECRET_VERSION, "secrets-database-database-url-value"))["secretString"]
    assert url.startswith("postgresql://api_rw@")
    (policy,) = [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == "db-connect-backend"]
    assert json.loads(inputs(policy)["policy"])["Statement"][0]["Resource"][0].endswith("/api_rw")


def test_allow_from_opens_5432_to_exactly_that_group(plan: Plan) -> None:
    db_group = group_id(plan, "db-sg")
    backend_group = group_id(plan, "backend")
    ingress = rules_of(plan, INGRESS, db_group)
    assert ingress == [
        {
            "securityGroupId": db_group,
            "referencedSecurityGroupId": backend_group,
            "ipProtocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
            "description": "PostgreSQL from backend",
        }
    ]
    assert rules_of(plan, EGRESS, db_group) == []
    group = inputs(plan.one("aws:ec2/securityGroup:SecurityGroup", "db-sg"))
    assert "ingress" not in group and "egress" not in group
    assert inputs(plan.one(INSTANCE))["vpcSecurityGroupIds"] == [db_group]


def test_no_rules_without_allow_from() -> None:
    def program() -> None:
        context = aws_context()
        PostgresDb(
            "db",
            PostgresDbArgs(
                context=context,
                identifier="db1",
                network=NETWORK,
                kms_key_arn=KEY_ARN,
                secrets=secret_set(context),
            ),
        )

    plan = run_component(program)
    assert plan.of_type(INGRESS) == [] and plan.of_type(EGRESS) == []


def test_production_safeguards_can_be_turned_off_for_staging() -> None:
    plan = run_component(build(deletion_protection=False, protect=False))
    instance = plan.one(INSTANCE)
    assert inputs(instance)["deletionProtection"] is False
    assert instance.protect is False
    # The final snapshot stays: tearing staging down keeps one snapshot of it.
    assert inputs(instance)["skipFinalSnapshot"] is False


def test_production_size_and_provisioned_gp3_from_400_gib() -> None:
    plan = run_component(
        build(instance_class="db.r6g.xlarge", allocated_storage_gb=400, iops=12000, storage_throughput_mibps=500)
    )
    db = inputs(plan.one(INSTANCE))
    assert (db["instanceClass"], db["allocatedStorage"], db["iops"], db["storageThroughput"]) == (
        "db.r6g.xlarge",
        400,
        12000,
        500,
    )


@pytest.mark.parametrize("bad", ["1db", "db--x", "db-", "Db", "d" * 64, ""])
def test_identifier_rules(bad: str) -> None:
    with pytest.raises(ValueError, match="not a valid RDS"):
        check_identifier(bad, 63, "RDS instance identifier")


def test_identifier_accepts_the_stacks_names() -> None:
    assert check_identifier("socialclub-production-postgres", 63, "x") == "socialclub-production-postgres"


def test_a_missing_master_secret_fails_loudly_instead_of_rotating_nothing() -> None:
    with pytest.raises(ValueError, match="no master user secret"):
        master_secret_arn([])


def test_a_single_az_instance_is_what_the_settings_ask_for() -> None:
    assert inputs(run_component(build(multi_az=False)).one(INSTANCE))["multiAz"] is False
