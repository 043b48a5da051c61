"""Data protection: backups at the required retention, versioning, point-in-time recovery, and in production
deletion protection, final snapshots and Pulumi `protect` on everything that holds state."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from .encryption import cache_spec
from .helpers import (
    ADVISORY,
    DYNAMODB_TABLE,
    LOAD_BALANCERS,
    SECRET,
    SECRET_ROTATION,
    Config,
    Rule,
    Stack,
    family,
    findings,
    get,
    is_set,
    resource_rule,
    stack_rule,
    true_flag,
)
from .stores import DATABASES

RDS_BACKUPS = Rule(
    name="rds-backup-retention",
    control="RDS.11; docs/requirements.md §4.1 (backups retained 30 days)",
    description="Database automated backups (RDS, Aurora, DocumentDB, Neptune, Redshift) are kept at least the "
    "configured number of days.",
    fix="set backup_retention_period to at least the configured minimum (AWS allows up to 35).",
    schema={
        "minimumDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 35,
            "default": 7,
            "description": "Smallest accepted backup_retention_period (FSBP default 7).",
        }
    },
    project={"minimumDays": 30},
)


def _rds_backups(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    key = DATABASES[args.resource_type].backup_days
    if key is None:
        return
    days = get(args.props, key, default=1)  # the API default of every type that has the setting
    if days < config["minimumDays"]:
        yield f"backupRetentionPeriod is {days:g} day(s), below {config['minimumDays']:g}."


RDS_DELETION = Rule(
    name="rds-deletion-protection",
    control="RDS.8",
    description="Databases (RDS, Aurora, DocumentDB, Neptune, global clusters, DSQL) cannot be deleted until "
    "deletion protection is turned off.",
    fix="set deletion_protection=True (staging may leave it off: policy/staging.json makes this advisory).",
)


def _rds_deletion(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    key = DATABASES[args.resource_type].deletion_protection
    if key is not None:
        yield from findings(true_flag(args.props, key))


RDS_FINAL_SNAPSHOT = Rule(
    name="rds-final-snapshot",
    control="docs/requirements.md §4.1 (snapshots before major changes)",
    description="Deleting an RDS instance leaves a final snapshot.",
    fix="set skip_final_snapshot=False and final_snapshot_identifier='<name>-final'.",
)


def _rds_final_snapshot(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if not DATABASES[args.resource_type].final_snapshot:
        return
    if get(args.props, "skipFinalSnapshot") is True:
        yield "skipFinalSnapshot is true."
    elif not is_set(args.props, "finalSnapshotIdentifier"):
        yield "no finalSnapshotIdentifier: the delete would fail, or be retried with skipFinalSnapshot."


PROTECTED_TYPES = sorted(
    {*family("database-storage"), *family("caches"), DYNAMODB_TABLE, *family("key-policies")}
    - {"aws:kms/keyPolicy:KeyPolicy"}
)

PROTECT = Rule(
    name="stateful-resources-protected",
    control="docs/requirements.md §1 (production data survives a mistaken delete: Pulumi protect on stateful "
    "resources)",
    description="Resources that hold state carry Pulumi's protect option, so no update or destroy deletes them.",
    fix="pass opts=ResourceOptions(protect=True) (the components do so in production); unprotect with "
    "`pulumi state unprotect` before a deliberate delete.",
    schema={
        "types": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z0-9-]+:[a-zA-Z0-9/]+:[A-Za-z0-9]+$"},
            "uniqueItems": True,
            "default": PROTECTED_TYPES,
            "description": "Type tokens of the resources that must be protected.",
        }
    },
)


def _protect(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    if args.resource_type in config["types"] and not args.opts.protect:
        yield "the resource is not protected."


DYNAMODB_PITR = Rule(
    name="dynamodb-pitr",
    control="DynamoDB.2",
    description="DynamoDB tables have point-in-time recovery on.",
    fix="set point_in_time_recovery=TablePointInTimeRecoveryArgs(enabled=True).",
)


def _dynamodb_pitr(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    yield from findings(true_flag(args.props, "pointInTimeRecovery", "enabled"))


DYNAMODB_DELETION = Rule(
    name="dynamodb-deletion-protection",
    control="DynamoDB.6",
    description="DynamoDB tables cannot be deleted until deletion protection is turned off.",
    fix="set deletion_protection_enabled=True.",
)


def _dynamodb_deletion(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    yield from findings(true_flag(args.props, "deletionProtectionEnabled"))


S3_VERSIONING = Rule(
    name="s3-versioning",
    control="S3.14; docs/requirements.md §2.1, §10.13 (versioned buckets)",
    description="Every S3 bucket keeps object versions.",
    fix="add aws.s3.BucketVersioning(bucket=<bucket>.id, versioning_configuration={'status': 'Enabled'}) "
    "(and a lifecycle rule expiring noncurrent versions).",
)


def _s3_versioning(bucket: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    statuses = [
        get(v.props, "versioningConfiguration", "status")
        for v in stack.referencing(bucket, "bucket", *family("bucket-versioning"))
    ]
    if "Enabled" not in statuses and get(bucket.props, "versioning", "enabled") is not True:
        yield "no versioning configuration (resource or inline) with status Enabled for this bucket."


REDIS_SNAPSHOTS = Rule(
    name="elasticache-snapshot-retention",
    control="ElastiCache.1 (production keeps 7 days: policy/production.json)",
    description="Caches (ElastiCache, serverless caches, MemoryDB) keep automatic snapshots for the configured "
    "number of days.",
    fix="set snapshot_retention_limit to at least the configured minimum, and a snapshot_window.",
    schema={
        "minimumDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 35,
            "default": 1,
            "description": "Smallest accepted snapshot_retention_limit.",
        }
    },
    project={"minimumDays": 7},
)


def _redis_snapshots(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    spec = cache_spec(args.resource_type, args.props)
    if spec is None or not spec.snapshots or str(get(args.props, "engine", default="redis")) == "memcached":
        return  # members follow their group; Memcached keeps no snapshots at all
    days = get(args.props, "snapshotRetentionLimit", default=0)  # AWS default: no snapshots
    if days < config["minimumDays"]:
        yield f"snapshotRetentionLimit is {days:g}, below {config['minimumDays']:g}."


RECOVERY_WINDOW = Rule(
    name="secret-recovery-window",
    control="docs/requirements.md §6.4 (stack config secrets.recoveryWindowDays)",
    description="A deleted secret stays recoverable for the configured number of days.",
    fix="set recovery_window_in_days to at least the configured minimum (0 deletes at once).",
    schema={
        "minimumDays": {
            "type": "integer",
            "minimum": 7,
            "maximum": 30,
            "default": 7,
            "description": "Smallest accepted recovery_window_in_days.",
        }
    },
)


def _recovery_window(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    days = get(args.props, "recoveryWindowInDays", default=30)  # AWS default
    if days < config["minimumDays"]:
        yield f"recoveryWindowInDays is {days:g}, below {config['minimumDays']:g}."


ROTATION = Rule(
    name="secret-rotation",
    control="SecretsManager.1",
    description="Secrets rotate automatically, or name the owner who rotates them by hand (third-party keys "
    "AWS cannot rotate).",
    fix="add aws.secretsmanager.SecretRotation with rotation_rules, or tag the secret with the manual rotation "
    "owner tag.",
    level=ADVISORY,  # third-party keys are rotated by people, tracked by tag and schedule (docs/requirements.md §10.17)
    schema={
        "manualRotationTagKey": {
            "type": "string",
            "minLength": 1,
            "default": "RotationOwner",
            "description": "Tag naming who rotates a secret AWS cannot rotate.",
        }
    },
)


def _rotation(secret: PolicyResource, stack: Stack, config: Config) -> Iterator[str]:
    if stack.referencing(secret, "secretId", SECRET_ROTATION):
        return
    if is_set(get(secret.props, "tags", default={}), config["manualRotationTagKey"]):
        return
    yield f"no SecretRotation and no '{config['manualRotationTagKey']}' tag."


ALB_DELETION = Rule(
    name="alb-deletion-protection",
    control="ELB.6",
    description="Load balancers cannot be deleted until deletion protection is turned off.",
    fix="set enable_deletion_protection=True.",
)


def _alb_deletion(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    yield from findings(true_flag(args.props, "enableDeletionProtection"))


MINOR_UPGRADES = Rule(
    name="auto-minor-version-upgrade",
    control="RDS.13, ElastiCache.2",
    description="Databases and caches take minor engine upgrades (security fixes) in their maintenance window.",
    fix="leave auto_minor_version_upgrade unset or True, and pin only the major version.",
)


def _minor_upgrades(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if get(args.props, "autoMinorVersionUpgrade") is False:
        yield "autoMinorVersionUpgrade is false."


COPY_TAGS = Rule(
    name="rds-copy-tags-to-snapshot",
    control="RDS.17",
    description="RDS snapshots carry the instance's tags (owner, environment) so they stay attributable.",
    fix="set copy_tags_to_snapshot=True.",
)


def _copy_tags(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if DATABASES[args.resource_type].copy_tags:
        yield from findings(true_flag(args.props, "copyTagsToSnapshot"))


POLICIES: list[Policy] = [
    resource_rule(RDS_BACKUPS, family("database-storage"), _rds_backups),
    resource_rule(RDS_DELETION, family("database-storage"), _rds_deletion),
    resource_rule(RDS_FINAL_SNAPSHOT, family("database-storage"), _rds_final_snapshot),
    resource_rule(PROTECT, None, _protect),
    resource_rule(DYNAMODB_PITR, [DYNAMODB_TABLE], _dynamodb_pitr),
    resource_rule(DYNAMODB_DELETION, [DYNAMODB_TABLE], _dynamodb_deletion),
    stack_rule(S3_VERSIONING, family("buckets"), _s3_versioning),
    resource_rule(REDIS_SNAPSHOTS, family("caches"), _redis_snapshots),
    resource_rule(RECOVERY_WINDOW, [SECRET], _recovery_window),
    stack_rule(ROTATION, [SECRET], _rotation),
    resource_rule(ALB_DELETION, LOAD_BALANCERS, _alb_deletion),
    resource_rule(MINOR_UPGRADES, [*DATABASES, *family("caches")], _minor_upgrades),
    resource_rule(COPY_TAGS, list(DATABASES), _copy_tags),
]
