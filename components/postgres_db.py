"""PostgresDb: RDS for PostgreSQL 15 (docs/requirements.md §4.1), encrypted, TLS-only, Multi-AZ, with its master
password managed and rotated by AWS and an application user that logs in with IAM database authentication."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws_context import AwsContext
from components.iam_documents import document, service_trust, statement
from components.naming import check_identifier, final_snapshot_identifier
from components.secret_set import SecretSet
from components.security_groups import (
    Client,
    GroupRule,
    closed_security_group,
    ingress_from_group,
)
from components.vpc import DataSubnets
from stackconfig.data import PostgresDbSettings

PORT = 5432
ENGINE_VERSION = "15"
"""Major version only: RDS picks the current 15.x and `auto_minor_version_upgrade` keeps it patched."""
PARAMETER_FAMILY = "postgres15"
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
LOG_EXPORTS = ("postgresql", "upgrade")

PARAMETERS: dict[str, str] = {
    # TLS only, 1.2 or newer: a client without TLS is refused by the server, not just discouraged.
    "rds.force_ssl": "1",
    "ssl_min_protocol_version": "TLSv1.2",
    # Enough to answer "what was slow, who connected, what blocked" from the exported log. Not `log_statement=ddl`:
    # it would write `ALTER ROLE ... PASSWORD '...'` in clear into CloudWatch (pgaudit is the tool for DDL audit).
    "log_min_duration_statement": "1000",  # ms
    "log_connections": "1",
    "log_disconnections": "1",
    "log_lock_waits": "1",
    "log_temp_files": "10240",  # kB: sorts and hashes spilling more than 10 MB to disk
    "log_autovacuum_min_duration": "10000",  # ms
    # The PostgreSQL 15 default, stated: a password RDS sets or rotates is stored as a SCRAM verifier, which the
    # migration task's channel binding needs (components/db_migration.py).
    "password_encryption": "scram-sha-256",
}
"""Every one is dynamic in PostgreSQL 15, so it applies without a reboot."""


def database_url(username: str, address: str, port: int, database: str) -> str:
    """The `database/database-url` value: the application user and no password (see `PostgresDb`)."""
    return f"postgresql://{username}@{address}:{port}/{database}?sslmode=verify-full"


def db_user_arn(partition: str, region: str, account: str, resource_id: str, username: str) -> str:
    """What `rds-db:connect` names: one database user of one instance, by the instance's DbiResourceId (not its
    identifier, so a restored instance with the same name is another resource)."""
    return f"arn:{partition}:rds-db:{region}:{account}:dbuser:{resource_id}/{username}"


def master_secret_arn(secrets: Sequence[aws.rds.outputs.InstanceMasterUserSecret]) -> str:
    """The ARN of the secret RDS created for the master password."""
    arn = secrets[0].secret_arn if secrets else None
    if not arn:
        raise ValueError("RDS reported no master user secret although manage_master_user_password is on")
    return arn


@dataclass(frozen=True)
class PostgresDbArgs:
    context: AwsContext
    """The account, region and partition of the monitoring role and of `grant_connect`'s user ARN."""
    identifier: str
    """Physical instance name, e.g. `socialclub-production-postgres` (at most 63 characters); it also names the
    log groups."""
    network: DataSubnets
    """The `Vpc`: the instance's security group is in its VPC, the instance in its RDS subnet group on the data
    subnets."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts storage, snapshots, the master secret, Performance Insights and the log groups."""
    secrets: SecretSet
    """Receives the connection URL under `url_secret_key` and rotates the RDS-managed master secret."""
    url_secret_key: str = "database/database-url"
    """The secret of `secrets` that receives the connection URL (default `database/database-url`)."""
    settings: PostgresDbSettings = field(default_factory=PostgresDbSettings)
    """Size, storage, users, backups, windows, monitoring, log retention, deletion protection and `protect`
    (stackconfig/data.py, section `socialclub:database`)."""


class PostgresDb(pulumi.ComponentResource):
    """A private PostgreSQL instance that only clients given to `connect(client, database)` reach, on 5432.

    Credentials: RDS creates the master password, keeps it in a Secrets Manager secret encrypted with the stack
    key (`master_secret_arn`, JSON with `username` and `password`) and rotates it on the SecretSet's schedule;
    only administrators and the migration task read it. The API logs in as `app_username` with IAM database
    authentication: `grant_connect` lets a role call `rds-db:connect` for that user alone, and the application
    signs a 15-minute token for every new connection (AWS SDK RDS signer, e.g. `@aws-sdk/rds-signer`
    `new Signer({hostname, port, username, region}).getAuthToken()`) and sends it as the password, over TLS with
    the RDS CA bundle (`sslmode=verify-full`; RDS refuses a token without TLS). The `database/database-url` secret
    holds `postgresql://<app user>@<host>:5432/<db>?sslmode=verify-full` and no password at all.

    Security group: inbound only through `connect`; no outbound rule at all (docs/requirements.md §5.2 says
    "All"). A database never opens connections: replies to inbound connections pass because groups are stateful,
    and Multi-AZ replication, backups, enhanced monitoring and log export run on AWS's side, not through this ENI.
    """

    security_group_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    """`host:port`."""
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    master_secret_arn: pulumi.Output[str]
    instance_identifier: pulumi.Output[str]
    resource_id: pulumi.Output[str]
    """The DbiResourceId (`db-...`), which IAM database authentication names."""
    database_name: str
    master_username: str
    app_username: str
    instance_class: str
    allocated_storage_gb: int
    url: pulumi.Output[str]
    """The value stored in `url_secret_key` (it holds no credential)."""

    def __init__(self, name: str, args: PostgresDbArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:data:PostgresDb", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        identifier = check_identifier(args.identifier, 63, "RDS instance identifier")
        ctx = args.context
        settings = args.settings

        group = closed_security_group(
            f"{name}-sg", args.network.vpc_id, f"{identifier}: PostgreSQL, reachable only from allowed groups", self
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            family=PARAMETER_FAMILY,
            description=f"{identifier}: TLS required, slow-query, lock-wait and connection logging",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name=key, value=value, apply_method="immediate")
                for key, value in PARAMETERS.items()
            ],
            opts=child,
        )
        # RDS would create these groups itself on first export, unencrypted and kept forever.
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-log-{log}",
                name=f"/aws/rds/instance/{identifier}/{log}",
                retention_in_days=settings.log_retention_days,
                kms_key_id=args.kms_key_arn,
                opts=child,
            )
            for log in LOG_EXPORTS
        ]
        monitoring = ctx.role(
            f"{name}-monitoring",
            description=f"{identifier}: enhanced monitoring publishes OS metrics",
            assume_role_policy=service_trust("monitoring.rds.amazonaws.com", source_account=ctx.account_id),
            opts=child,
        )
        monitoring_policy = aws.iam.RolePolicyAttachment(
            f"{name}-monitoring",
            role=monitoring.name,
            policy_arn=f"arn:{ctx.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            opts=child,
        )

        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            engine="postgres",
            engine_version=ENGINE_VERSION,
            auto_minor_version_upgrade=True,
            allow_major_version_upgrade=False,
            instance_class=settings.instance_class,
            multi_az=settings.multi_az,
            storage_type="gp3",
            allocated_storage=settings.allocated_storage_gb,
            max_allocated_storage=settings.max_allocated_storage_gb,
            iops=settings.iops,
            storage_throughput=settings.storage_throughput_mibps,
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_name=settings.database_name,
            username=settings.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            parameter_group_name=parameters.name,
            db_subnet_group_name=args.network.db_subnet_group_name,
            vpc_security_group_ids=[group.id],
            publicly_accessible=False,
            port=PORT,
            ca_cert_identifier=CA_CERTIFICATE,
            backup_retention_period=settings.backup_retention_days,
            backup_window=settings.backup_window,
            maintenance_window=settings.maintenance_window,
            copy_tags_to_snapshot=True,
            delete_automated_backups=False,
            deletion_protection=settings.deletion_protection,
            skip_final_snapshot=False,
            final_snapshot_identifier=final_snapshot_identifier(name, identifier, self),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.kms_key_arn,
            performance_insights_retention_period=settings.performance_insights_retention_days,
            monitoring_interval=settings.monitoring_interval_seconds,
            monitoring_role_arn=monitoring.arn,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            opts=pulumi.ResourceOptions(
                parent=self, protect=settings.protect, depends_on=[*log_groups, monitoring_policy]
            ),
        )

        self.security_group_id = group.id
        self.endpoint = instance.endpoint
        self.address = instance.address
        self.port = instance.port
        self.master_secret_arn = instance.master_user_secrets.apply(master_secret_arn)
        self.instance_identifier = instance.identifier
        self.resource_id = instance.resource_id
        self.database_name = settings.database_name
        self.master_username = settings.master_username
        self.app_username = settings.app_username
        self._context = ctx
        self.instance_class = settings.instance_class
        self.allocated_storage_gb = settings.allocated_storage_gb
        self.url = pulumi.Output.all(instance.address, instance.port).apply(
            lambda hp: database_url(settings.app_username, hp[0], hp[1], settings.database_name)
        )

        args.secrets.set_value(args.url_secret_key, self.url)
        args.secrets.rotate_managed(f"{name}-master", self.master_secret_arn)

        self.register_outputs(
            {
                "securityGroupId": self.security_group_id,
                "endpoint": self.endpoint,
                "address": self.address,
                "port": self.port,
                "masterSecretArn": self.master_secret_arn,
                "instanceIdentifier": self.instance_identifier,
                "resourceId": self.resource_id,
            }
        )

    peer_name = "database"
    """How a client's egress rule names this component (components/security_groups.py `Server`)."""
    listen_port = PORT

    def ingress_rule(self, client: Client) -> aws.vpc.SecurityGroupIngressRule:
        """`Server` half of `connect(client, self)`: 5432 from the client's group, and nothing else."""
        rule = GroupRule(f"{self._name}-from-{client.peer_name}", PORT, f"PostgreSQL from {client.peer_title}")
        return ingress_from_group(rule, self.security_group_id, client.security_group_id, self)

    def grant_connect(self, role: aws.iam.Role, label: str) -> aws.iam.RolePolicy:
        """Let `role` log in as the application user with an IAM token, and as no other user."""
        ctx = self._context
        user = pulumi.Output.all(ctx.account_id, self.resource_id).apply(
            lambda v: db_user_arn(ctx.partition, ctx.region, v[0], v[1], self.app_username)
        )
        return aws.iam.RolePolicy(
            f"{self._name}-connect-{label}",
            role=role.id,
            policy=document(statement(["rds-db:connect"], [user], sid="ConnectAsTheApplicationUser")),
            opts=pulumi.ResourceOptions(parent=self),
        )
