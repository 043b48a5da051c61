"""DatabaseMigration under mocks, its SQL as text, and the task as both stacks declare it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.db_migration import (
    CONTAINER_NAME,
    DatabaseMigration,
    DatabaseMigrationArgs,
    app_role_sql,
)
from components.security_groups import connect
from offline.harness import Plan
from tests.support import aws_context, inputs, run_component, stack_plan
from tests.support.backend_build import FakeServer, matrix, policy_statements
from tests.support.data import EGRESS, KEY_ARN, VPC_ID

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
MASTER_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123-AbCdEf"
IMAGE = "public.ecr.aws/docker/library/postgres:15-alpine@sha256:" + "ab" * 32
STACKS = ["staging", "production"]


@dataclass(frozen=True)
class StandInDatabase:
    """What DatabaseMigration reads of a PostgresDb."""

    address: pulumi.Output[str]
    port: pulumi.Output[int]
    master_secret_arn: pulumi.Output[str]
    database_name: str
    master_username: str
    app_username: str


def build(**overrides: Any) -> Callable[[], None]:
    def program() -> None:
        migration = DatabaseMigration(
            "db-migrate",
            DatabaseMigrationArgs(
                context=aws_context(),
                vpc_id=VPC_ID,
                subnet_ids=["subnet-a", "subnet-b"],
                family="sc-test-db-migrate",
                image=IMAGE,
                log_group_name="/aws/ecs/sc-test-db-migrate",
                kms_key_arn=KEY_ARN,
                database=StandInDatabase(
                    address=pulumi.Output.from_input("db.example.internal"),
                    port=pulumi.Output.from_input(5432),
                    master_secret_arn=pulumi.Output.from_input(MASTER_ARN),
                    database_name="socialclub",
                    master_username="socialclub_admin",
                    app_username="socialclub_app",
                ),
                **overrides,
            ),
        )
        database = aws.ec2.SecurityGroup("database", vpc_id=VPC_ID, description="the database")
        connect(migration, FakeServer("database", database.id, 5432))

    return program


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_component(build())


def container(plan: Plan, name: str = "db-migrate-task") -> dict[str, Any]:
    (definition,) = json.loads(inputs(plan.one(TASK_DEFINITION, name))["containerDefinitions"])
    assert isinstance(definition, dict)
    return definition


# --- the SQL -------------------------------------------------------------------------------------------------

SQL = app_role_sql("socialclub_app", "socialclub_admin", "socialclub")


def statements(sql: str) -> list[str]:
    """Top-level statements: a `DO $$ ... $$;` block counts as one."""
    return [s.strip() for s in re.split(r";\n(?=(?:[^$]|\$\$[^$]*\$\$)*$)", sql + "\n") if s.strip()]


def test_the_role_is_created_only_when_missing_and_logs_in_without_password() -> None:
    create = statements(SQL)[0]
    assert create.startswith("DO $$")
    assert "IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'socialclub_app') THEN" in create
    assert 'CREATE ROLE "socialclub_app" LOGIN;' in create
    # Outside the guard, nothing creates: a second run finds the role and only re-states its grants.
    assert SQL.count("CREATE ROLE") == 1
    assert 'ALTER ROLE "socialclub_app" WITH LOGIN NOCREATEDB NOCREATEROLE INHERIT PASSWORD NULL;' in SQL


def test_exactly_the_grants_the_api_needs() -> None:
    grants = [s for s in statements(SQL) if s.startswith(("GRANT", "ALTER DEFAULT PRIVILEGES"))]
    assert grants == [
        'GRANT rds_iam TO "socialclub_app"',
        'GRANT CONNECT ON DATABASE "socialclub" TO "socialclub_app"',
        'GRANT USAGE, CREATE ON SCHEMA "public" TO "socialclub_app"',
        'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public" TO "socialclub_app"',
        'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA "public" TO "socialclub_app"',
        'ALTER DEFAULT PRIVILEGES FOR ROLE "socialclub_admin" IN SCHEMA "public" '
        'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "socialclub_app"',
        'ALTER DEFAULT PRIVILEGES FOR ROLE "socialclub_admin" IN SCHEMA "public" '
        'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "socialclub_app"',
    ]


def test_every_statement_is_idempotent() -> None:
    """CREATE only behind IF NOT EXISTS; everything else a GRANT, ALTER or check that may run any number of times."""
    for statement in statements(SQL):
        assert statement.startswith(("DO $$", "GRANT ", "ALTER ROLE ", "ALTER DEFAULT PRIVILEGES ")), statement
    assert not re.search(r"(?m)^\s*(DROP|REVOKE|TRUNCATE|DELETE|INSERT|UPDATE)\b", SQL)


def test_never_an_administrative_privilege() -> None:
    upper = SQL.upper()
    for word in ("SUPERUSER", "RDS_SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS", "WITH ADMIN"):
        granted = re.findall(rf"(?<![A-Z_]){word}(?![A-Z_])", upper)
        allowed = {"CREATEROLE": 1, "CREATEDB": 1}.get(word, 0)  # NOCREATEROLE / NOCREATEDB only
        assert len(re.findall(rf"\bNO{word}\b", upper)) == allowed, word
        assert not granted, word
    assert "GRANT ALL" not in upper
    assert "WITH GRANT OPTION" not in upper


def test_the_script_fails_when_the_role_was_given_more_than_rds_iam() -> None:
    check = statements(SQL)[-1]
    assert check.startswith("DO $$")
    assert "rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls" in check
    assert "WHERE u.rolname = 'socialclub_app' AND g.rolname <> 'rds_iam';" in check
    assert check.count("RAISE EXCEPTION") == 2


def test_names_are_validated_before_they_reach_the_sql() -> None:
    for bad in ('app"; DROP ROLE x; --', "App", "app'", "1app", "a" * 64, ""):
        with pytest.raises(ValueError, match="not a lowercase PostgreSQL identifier"):
            app_role_sql(bad, "socialclub_admin", "socialclub")
    with pytest.raises(ValueError, match="not a lowercase PostgreSQL identifier"):
        app_role_sql("socialclub_app", "socialclub_admin", "socialclub", schema="public; DROP")
    assert '"api"' in app_role_sql("api", "admin_x", "db", schema="api")


# --- the component -------------------------------------------------------------------------------------------


def test_psql_runs_the_sql_as_its_command_without_a_shell(plan: Plan) -> None:
    c = container(plan)
    assert c["name"] == CONTAINER_NAME == "migrate"
    assert c["image"] == IMAGE
    assert c["entryPoint"] == ["psql"]
    assert c["command"] == ["--no-psqlrc", "--set=ON_ERROR_STOP=1", "--command", SQL]
    assert c["essential"] is True


def test_the_master_secret_is_injected_never_plain(plan: Plan) -> None:
    c = container(plan)
    assert {s["name"]: s["valueFrom"] for s in c["secrets"]} == {
        "PGUSER": f"{MASTER_ARN}:username::",
        "PGPASSWORD": f"{MASTER_ARN}:password::",
    }
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert env == {
        "PGHOST": "db.example.internal",
        "PGPORT": "5432",
        "PGDATABASE": "socialclub",
        "PGSSLMODE": "require",
        "PGCHANNELBINDING": "require",
        "PGCONNECT_TIMEOUT": "15",
        "PGAPPNAME": "sc-test-db-migrate",
    }
    assert MASTER_ARN not in json.dumps(c["environment"])


def test_the_container_is_read_only_unprivileged_and_logs_to_its_encrypted_group(plan: Plan) -> None:
    c = container(plan)
    assert c["readonlyRootFilesystem"] is True
    assert c["privileged"] is False
    assert c["user"] == "65534:65534"
    assert c["linuxParameters"] == {"capabilities": {"drop": ["ALL"]}}
    options = c["logConfiguration"]["options"]
    assert options["awslogs-group"] == "/aws/ecs/sc-test-db-migrate"
    group = inputs(plan.one("aws:cloudwatch/logGroup:LogGroup"))
    assert (group["name"], group["kmsKeyId"], group["retentionInDays"]) == ("/aws/ecs/sc-test-db-migrate", KEY_ARN, 30)


def test_a_fargate_task_definition_without_task_role(plan: Plan) -> None:
    task = inputs(plan.one(TASK_DEFINITION))
    assert task["family"] == "sc-test-db-migrate"
    assert (task["requiresCompatibilities"], task["networkMode"]) == (["FARGATE"], "awsvpc")
    assert (task["cpu"], task["memory"]) == ("256", "512")
    assert task["executionRoleArn"] == plan.one("aws:iam/role:Role", "db-migrate-execution").outputs["arn"]
    assert "taskRoleArn" not in task  # psql calls no AWS API


def test_the_execution_role_reads_exactly_the_master_secret_and_writes_its_logs(plan: Plan) -> None:
    by_sid = {s["Sid"]: s for s in policy_statements(plan, "db-migrate-execution")}
    assert set(by_sid) == {"WriteOwnLogGroup", "ReadNamedSecrets", "DecryptThroughSecretsManager"}
    assert by_sid["ReadNamedSecrets"]["Resource"] == [MASTER_ARN]
    assert by_sid["ReadNamedSecrets"]["Action"] == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    assert by_sid["DecryptThroughSecretsManager"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    }
    log_arn = plan.one("aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    assert by_sid["WriteOwnLogGroup"]["Resource"] == [f"{log_arn}:log-stream:*"]


def test_the_role_lives_under_the_stack_path_with_the_boundary(plan: Plan) -> None:
    role = inputs(plan.one("aws:iam/role:Role", "db-migrate-execution"))
    context = aws_context()
    assert role["path"] == context.role_path
    assert role.get("permissionsBoundary") == context.permissions_boundary
    (trust,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


def test_no_inbound_https_out_and_only_the_port_connect_opens(plan: Plan) -> None:
    group = plan.one("aws:ec2/securityGroup:SecurityGroup", "db-migrate-sg").outputs["id"]
    database = plan.one("aws:ec2/securityGroup:SecurityGroup", "database").outputs["id"]
    assert matrix(plan, group) == {"in": set(), "out": {(443, "0.0.0.0/0"), (5432, database)}}
    assert len([r for r in plan.of_type(EGRESS) if inputs(r)["securityGroupId"] == group]) == 2


# --- both stacks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_stacks_migration_targets_their_database_with_the_master_secret(stack: str) -> None:
    plan = stack_plan(stack)
    c = container(plan)
    instance = plan.one("aws:rds/instance:Instance")
    master = plan.outputs["databaseMasterSecretArn"]
    assert inputs(plan.one(TASK_DEFINITION, "db-migrate-task"))["family"] == f"socialclub-{stack}-db-migrate"
    env = {e["name"]: e["value"] for e in c["environment"]}
    assert (env["PGHOST"], env["PGPORT"], env["PGDATABASE"]) == (instance.outputs["address"], "5432", "socialclub")
    assert {s["valueFrom"] for s in c["secrets"]} == {f"{master}:username::", f"{master}:password::"}
    assert c["command"][-1] == app_role_sql("socialclub_app", "socialclub_admin", "socialclub")
    readable = {s["Sid"]: s for s in policy_statements(plan, "db-migrate-execution")}["ReadNamedSecrets"]
    assert readable["Resource"] == [master]
    # Under the ECS root, so the stack key lets CloudWatch Logs encrypt it.
    assert c["logConfiguration"]["options"]["awslogs-group"] == f"/aws/ecs/socialclub-{stack}-db-migrate"


@pytest.mark.parametrize("stack", STACKS)
def test_the_database_takes_5432_from_the_migration_and_the_workflow_finds_it(stack: str) -> None:
    plan = stack_plan(stack)
    group = plan.outputs["dbMigrationSecurityGroupId"]
    database = inputs(plan.one("aws:rds/instance:Instance"))["vpcSecurityGroupIds"][0]
    assert (5432, group) in matrix(plan, database)["in"]
    assert matrix(plan, group) == {"in": set(), "out": {(443, "0.0.0.0/0"), (5432, database)}}
    assert plan.outputs["dbMigrationSubnetIds"] == plan.outputs["privateSubnetIds"]
    assert plan.outputs["dbMigrationTaskDefinitionArn"] == plan.one(TASK_DEFINITION, "db-migrate-task").outputs["arn"]
    assert plan.outputs["dbMigrationFamily"] == f"socialclub-{stack}-db-migrate"
