"""DatabaseMigration: a one-off ECS task, run by the deploy flow, that creates the API's database role.

The API logs in to PostgreSQL as a least-privilege role with IAM database authentication (`rds_iam`, no
password); only this task holds the master secret. It runs `psql` from a public PostgreSQL client image pinned by
digest (the application's image is not ours to change) with the SQL of `app_role_sql` as its command, and exits
non-zero when any statement fails: the whole script is one transaction, so a failure changes nothing.

Network: its own security group, no inbound rule; outbound 443 (image pull, Secrets Manager and CloudWatch Logs
through the NAT gateways) and what `connect(migration, database)` opens (the database's 5432).

TLS: `sslmode=require` with `channel_binding=require`. The client image does not carry the RDS CA bundle, so
the server certificate is not checked against a CA; channel binding (SCRAM-SHA-256-PLUS) still makes the login
fail against anyone who does not hold the server's certificate key, and refuses any method that would send the
password (cleartext, md5). The parameter group stores passwords as SCRAM (`password_encryption`), so the master
password rotated by RDS keeps a SCRAM verifier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import Statement, document, read_secrets_statements, statement
from components.security_groups import GroupRule, Server, closed_security_group, egress_to_group
from components.task_definition import ContainerSecret
from components.task_roles import task_trust
from stackconfig.aws_facts import POSTGRES_IDENTIFIER
from stackconfig.service import ServiceSettings

CONTAINER_NAME = "migrate"
IAM_ROLE = "rds_iam"
"""The RDS role that switches a login role to IAM authentication (its password is no longer accepted)."""
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT, UPDATE"
NOBODY = "65534:65534"
"""`nobody` in Alpine and Debian images alike: psql needs no home and writes nothing."""


def _name(identifier: str) -> str:
    """A validated lowercase identifier, double-quoted: the SQL never interpolates anything else."""
    if not POSTGRES_IDENTIFIER.match(identifier):
        raise ValueError(f"{identifier!r} is not a lowercase PostgreSQL identifier ([a-z_][a-z0-9_]*, <= 63)")
    return f'"{identifier}"'


def app_role_sql(app_user: str, master_user: str, database: str, schema: str = "public") -> str:
    """The migration's script: every statement idempotent, so each deploy re-states the same role.

    - creates `app_user` as a plain LOGIN role if missing (CREATE ROLE defaults: no SUPERUSER, CREATEDB,
      CREATEROLE, REPLICATION, BYPASSRLS) and drops any password: it logs in through `rds_iam` only;
    - grants CONNECT on the database, USAGE and CREATE on the schema (the API's own migrations may create
      tables, which it then owns), DML on the schema's tables and use of its sequences, and the same on tables
      and sequences `master_user` creates later (default privileges);
    - fails if the role holds an administrative attribute or belongs to any role but `rds_iam` (someone granted
      `rds_superuser`?): the transaction rolls back and the deploy stops for a person to look.
    Never SUPERUSER, rds_superuser or CREATEROLE. ALTER ROLE names no SUPERUSER/REPLICATION/BYPASSRLS attribute
    at all: PostgreSQL lets only a superuser mention them, and the RDS master is not one.
    """
    app, master, db, ns = _name(app_user), _name(master_user), _name(database), _name(schema)
    literal = f"'{app_user}'"  # the identifier check above leaves no quote to escape
    return "\n".join(
        [
            "DO $$",
            "BEGIN",
            f"  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal}) THEN",
            f"    CREATE ROLE {app} LOGIN;",
            "  END IF;",
            "END",
            "$$;",
            f"ALTER ROLE {app} WITH LOGIN NOCREATEDB NOCREATEROLE INHERIT PASSWORD NULL;",
            f"GRANT {IAM_ROLE} TO {app};",
            f"GRANT CONNECT ON DATABASE {db} TO {app};",
            f"GRANT USAGE, CREATE ON SCHEMA {ns} TO {app};",
            f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {ns} TO {app};",
            f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {ns} TO {app};",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {master} IN SCHEMA {ns} GRANT {TABLE_PRIVILEGES} ON TABLES TO {app};",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {master} IN SCHEMA {ns} "
            f"GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {app};",
            "DO $$",
            "DECLARE",
            "  extra text;",
            "BEGIN",
            f"  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal}",
            "             AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls)) THEN",
            f"    RAISE EXCEPTION 'role % holds an administrative attribute', {literal};",
            "  END IF;",
            "  SELECT string_agg(g.rolname, ', ') INTO extra",
            "    FROM pg_catalog.pg_auth_members m",
            "    JOIN pg_catalog.pg_roles g ON g.oid = m.roleid",
            "    JOIN pg_catalog.pg_roles u ON u.oid = m.member",
            f"   WHERE u.rolname = {literal} AND g.rolname <> '{IAM_ROLE}';",
            "  IF extra IS NOT NULL THEN",
            f"    RAISE EXCEPTION 'role % is a member of %; only {IAM_ROLE} is expected', {literal}, extra;",
            "  END IF;",
            "END",
            "$$;",
        ]
    )


@dataclass(frozen=True)
class MigrationSpec:
    """Everything the migration's container definition holds, resolved to plain values."""

    image: str
    """The PostgreSQL client image, pinned by digest."""
    sql: str
    """The script `psql` runs (`app_role_sql`)."""
    environment: Mapping[str, str]
    """Plain libpq variables (PGHOST, PGPORT, ...)."""
    secrets: Mapping[str, str]
    """Variable name -> ECS `valueFrom` (PGUSER, PGPASSWORD from the master secret)."""
    log_group: str
    """The task's CloudWatch Logs group."""
    region: str
    """The log group's region."""


def migration_container(spec: MigrationSpec) -> list[dict[str, Any]]:
    """The task's one container: `psql` as its entry point (no shell, so the SQL needs no escaping beyond JSON),
    read-only root, non-root, no capabilities, credentials only as ECS secrets."""
    image, sql, environment, secrets = spec.image, spec.sql, spec.environment, spec.secrets
    log_group, region = spec.log_group, spec.region
    return [
        {
            "name": CONTAINER_NAME,
            "image": image,
            "essential": True,
            "user": NOBODY,
            "readonlyRootFilesystem": True,
            "privileged": False,
            # One -c string runs as one transaction (psql: several statements in one -c are one implicit one).
            "entryPoint": ["psql"],
            "command": ["--no-psqlrc", "--set=ON_ERROR_STOP=1", "--command", sql],
            "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
            "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
            "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": CONTAINER_NAME,
                },
            },
        }
    ]


class MigratedDatabase(Protocol):
    """What the migration needs of the database; PostgresDb has it."""

    @property
    def address(self) -> pulumi.Output[str]:
        """The host name (PGHOST)."""
        ...

    @property
    def port(self) -> pulumi.Output[int]:
        """The TCP port (PGPORT)."""
        ...

    @property
    def master_secret_arn(self) -> pulumi.Output[str]:
        """The RDS-managed master secret (JSON `username`, `password`)."""
        ...

    @property
    def database_name(self) -> str:
        """The database the API uses (PGDATABASE), where its role gets CONNECT."""
        ...

    @property
    def master_username(self) -> str:
        """The master user, whose future tables and sequences the API's role is granted by default."""
        ...

    @property
    def app_username(self) -> str:
        """The API's login role the script creates (IAM authentication only)."""
        ...


@dataclass(frozen=True)
class DatabaseMigrationArgs:
    context: AwsContext
    """Account, region and the role factory (path and permissions boundary)."""
    vpc_id: pulumi.Input[str]
    """The VPC of the task's security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Where the deploy flow starts the task (the private subnets); exported for `aws ecs run-task`."""
    family: str
    """Task-definition family, e.g. `socialclub-production-db-migrate`."""
    image: str
    """PostgreSQL client image pinned by digest (`...postgres:15-alpine@sha256:...`)."""
    log_group_name: str
    """e.g. `/aws/ecs/socialclub-production-db-migrate`; must match a KMS key log-group prefix."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts the log group; Secrets Manager decrypts the master secret with it."""
    database: MigratedDatabase
    """The database to prepare (the stack's PostgresDb): its address, port, names and RDS-managed master secret
    (JSON `username`, `password`), injected here and read by nothing else."""
    schema: str = "public"
    """Where the API's tables live (default `public`, Prisma's default schema)."""
    cpu: int = 256
    """Task CPU units (default 256, Fargate's smallest): psql runs a dozen statements and exits."""
    memory: int = 512
    """Task memory in MiB (default 512, the smallest Fargate pairs with 256 CPU units)."""
    connect_timeout_seconds: int = 15
    """PGCONNECT_TIMEOUT in seconds (default 15): an unreachable database fails the task in seconds, not at the
    waiter's 10 minutes."""
    service: ServiceSettings = field(default_factory=ServiceSettings)
    """The backend's settings: the task's log group is kept (`log_retention_days`, default 30,
    docs/requirements.md §7.1) and protected (`protect`, default on) like the backend's."""


class DatabaseMigration(pulumi.ComponentResource):
    """A task definition (no service) that the deploy flow runs once per deploy with `aws ecs run-task`.

    A security-group `Client` of the database: `connect(migration, database)`.
    """

    peer_name = "migration"
    peer_title = "migration"
    security_group_id: pulumi.Output[str]
    execution_role: aws.iam.Role
    execution_role_arn: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    family: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    subnet_ids: pulumi.Output[list[str]]
    sql: str

    def __init__(self, name: str, args: DatabaseMigrationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:data:DatabaseMigration", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        db = args.database

        group = closed_security_group(
            f"{name}-sg", args.vpc_id, f"{name} task: no inbound; HTTPS out and the database's port", self
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-out-https",
            security_group_id=group.id,
            description="HTTPS to the internet: image pull, Secrets Manager, CloudWatch Logs",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
            opts=child,
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.service.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.service.protect),
        )

        execution = ctx.role(
            f"{name}-execution",
            description=f"{name}: ECS writes the task's logs and injects the database master secret",
            assume_role_policy=task_trust(ctx),
            opts=child,
        )
        statements: list[Statement] = [
            statement(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [pulumi.Output.concat(logs.arn, ":log-stream:*")],
                sid="WriteOwnLogGroup",
            ),
            *read_secrets_statements([db.master_secret_arn], args.kms_key_arn, ctx.region),
        ]
        aws.iam.RolePolicy(f"{name}-execution", role=execution.id, policy=document(*statements), opts=child)

        self.sql = app_role_sql(db.app_username, db.master_username, db.database_name, args.schema)
        environment = {
            "PGHOST": db.address,
            "PGPORT": db.port.apply(str),
            "PGDATABASE": db.database_name,
            "PGSSLMODE": "require",
            "PGCHANNELBINDING": "require",
            "PGCONNECT_TIMEOUT": str(args.connect_timeout_seconds),
            "PGAPPNAME": args.family,
        }
        secrets = {
            "PGUSER": ContainerSecret(db.master_secret_arn, json_key="username").value_from(),
            "PGPASSWORD": ContainerSecret(db.master_secret_arn, json_key="password").value_from(),
        }
        definitions = pulumi.Output.all(
            log_group=logs.name,
            environment=pulumi.Output.all(**environment),
            secrets=pulumi.Output.all(**secrets),
        ).apply(
            lambda v: json.dumps(
                migration_container(
                    MigrationSpec(
                        image=args.image,
                        sql=self.sql,
                        environment=v["environment"],
                        secrets=v["secrets"],
                        log_group=v["log_group"],
                        region=ctx.region,
                    )
                )
            )
        )
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.cpu),
            memory=str(args.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=execution.arn,
            container_definitions=definitions,
            opts=child,
        )

        self.security_group_id = group.id
        self.execution_role = execution
        self.execution_role_arn = execution.arn
        self.task_definition_arn = task_definition.arn
        self.family = task_definition.family
        self.log_group_name = logs.name
        self.subnet_ids = pulumi.Output.all(*args.subnet_ids)
        self.register_outputs(
            {
                "securityGroupId": self.security_group_id,
                "executionRoleArn": self.execution_role_arn,
                "taskDefinitionArn": self.task_definition_arn,
                "family": self.family,
                "logGroupName": self.log_group_name,
                "subnetIds": self.subnet_ids,
            }
        )

    def egress_rule(self, server: Server) -> aws.vpc.SecurityGroupEgressRule:
        """`Client` half (components/security_groups.py): TCP to the server's port (the database's 5432)."""
        port = server.listen_port
        rule = GroupRule(f"{self._name}-out-{server.peer_name}", port, f"{port} to {server.peer_name}")
        return egress_to_group(rule, self.security_group_id, server.security_group_id, self)
