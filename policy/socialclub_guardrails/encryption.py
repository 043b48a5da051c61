"""Encryption at rest, with the stack's customer-managed KMS key wherever AWS accepts one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from .helpers import (
    DYNAMODB_TABLE,
    ECR_REPOSITORY,
    KMS_KEY,
    LOAD_BALANCERS,
    LOG_GROUP,
    RDS_INSTANCE,
    SECRET,
    SNS_TOPIC,
    Config,
    Props,
    Rule,
    Stack,
    family,
    findings,
    get,
    is_set,
    items,
    known,
    resource_rule,
    stack_rule,
    true_flag,
)
from .stores import AWS_OWNED_KEY, CACHES, DATABASES, Cache

RDS_ENCRYPTED = Rule(
    name="rds-storage-encrypted",
    control="RDS.3, RDS.27, DocumentDB.1, Neptune.1, Redshift.10",
    description="Databases (RDS, Aurora, DocumentDB, Neptune, Redshift, DSQL, in any resource spelling) encrypt "
    "their storage with a customer-managed KMS key.",
    fix="set the type's encryption flag (storage_encrypted=True) and its KMS key input (kms_key_id / kms_key_arn) "
    "to the stack's key (changing it replaces the database).",
)


def _unowned_key(props: Props, key: str) -> bool:
    """No customer-managed key in `key`: unset, or the literal for AWS's own key (an unknown ARN counts as set)."""
    return not is_set(props, key) or known(props, key) == AWS_OWNED_KEY


def _rds_encrypted(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    spec = DATABASES[args.resource_type]
    if spec.encryption_flag and get(args.props, spec.encryption_flag, default=spec.encrypted_by_default) is not True:
        yield f"{spec.encryption_flag} is not true."
    if spec.key and _unowned_key(args.props, spec.key):
        yield f"no {spec.key}: an AWS-managed or AWS-owned key would be used."


RDS_MASTER_PASSWORD = Rule(
    name="rds-managed-master-password",
    control="docs/requirements.md §4.1 (the password kept in Secrets Manager)",
    description="Database master passwords are generated and rotated by the service in Secrets Manager, under "
    "the stack's key, never written in the program (any database type).",
    fix="set manage_master_user_password=True (manage_master_password / manage_admin_password) and its secret's "
    "KMS key to the stack's key; drop the password input.",
)


ELASTIC_DOCDB = "aws:docdb/elasticCluster:ElasticCluster"


def _rds_master_password(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    spec = DATABASES[args.resource_type]
    props = args.props
    if args.resource_type == ELASTIC_DOCDB and get(props, "authType") == "SECRET_ARN":
        return  # adminUserPassword then holds the ARN of a Secrets Manager secret, not a password
    for key in spec.passwords:
        if is_set(props, key):
            yield f"a master password is set in the program ({key}; it lands in state or config)."
    if spec.managed_password is None or any(is_set(props, k) for k in spec.copy_of):
        return  # replicas, restores and global members take their credentials from the source
    yield from findings(true_flag(props, spec.managed_password))
    if spec.secret_key and not is_set(props, spec.secret_key):
        yield f"no {spec.secret_key}: the secret would use the AWS-managed key."


RDS_PI_KMS = Rule(
    name="rds-performance-insights-kms",
    control="docs/requirements.md §4.1 (encryption at rest with KMS, Performance Insights data too)",
    description="Performance Insights data (it contains SQL text) is encrypted with the stack's KMS key.",
    fix="set performance_insights_kms_key_id=<the stack's KMS key ARN> wherever Performance Insights is on.",
)


def _rds_pi_kms(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if not DATABASES[args.resource_type].insights:
        return
    if get(args.props, "performanceInsightsEnabled") is True and not is_set(args.props, "performanceInsightsKmsKeyId"):
        yield "Performance Insights is on without performanceInsightsKmsKeyId."


ELASTICACHE_AT_REST = Rule(
    name="elasticache-encryption-at-rest",
    control="ElastiCache.4, MemoryDB.2",
    description="Caches (ElastiCache replication groups, clusters, serverless caches, MemoryDB) encrypt data at "
    "rest with a customer-managed KMS key.",
    fix="use a replication group (or serverless cache / MemoryDB cluster) with at_rest_encryption_enabled=True "
    "and kms_key_id=<the stack's KMS key ARN>.",
)


def cache_spec(resource_type: str, props: Props) -> Cache | None:
    """The cache's row, or None when another resource (its replication group, its global group) holds the
    settings."""
    spec = CACHES[resource_type]
    if spec.inherits or (spec.member_of and is_set(props, spec.member_of)):
        return None
    return spec


def _elasticache_at_rest(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    spec = cache_spec(args.resource_type, args.props)
    if spec is None:
        return
    if spec.standalone_limits:
        yield f"{spec.standalone_limits}."
        return
    if spec.at_rest_flag:
        yield from findings(true_flag(args.props, spec.at_rest_flag))
    if spec.key and not is_set(args.props, spec.key):
        yield f"no {spec.key}: the AWS-managed key would be used."


DYNAMODB_KMS = Rule(
    name="dynamodb-kms-encryption",
    control="docs/requirements.md §6.3 (AWS Config dynamodb-table-encrypted-kms)",
    description="DynamoDB tables use server-side encryption with a customer-managed KMS key.",
    fix="set server_side_encryption=TableServerSideEncryptionArgs(enabled=True, kms_key_arn=<the stack's key>).",
)


def _dynamodb_kms(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    sse = get(args.props, "serverSideEncryption", default={})
    yield from findings(
        (get(sse, "enabled") is True, "serverSideEncryption.enabled is not true (AWS-owned key)."),
        (is_set(sse, "kmsKeyArn"), "no serverSideEncryption.kmsKeyArn: the AWS-managed key would be used."),
    )


S3_KMS = Rule(
    name="s3-bucket-kms-encryption",
    control="S3.17",
    description="Every S3 bucket has a default-encryption configuration with a customer-managed KMS key "
    "(SSE-S3 only for ALB access-log buckets, the only encryption ALB log delivery accepts).",
    fix="add aws.s3.BucketServerSideEncryptionConfiguration(bucket=<bucket>.id, rules=[... sse_algorithm='aws:kms', "
    "kms_master_key_id=<the stack's key>, bucket_key_enabled=True]).",
)


def _sse_rules(bucket: PolicyResource, stack: Stack) -> list[tuple[str, bool]] | None:
    """(algorithm, has a key) of the bucket's default encryption, from any configuration resource or the bucket's
    own inline configuration; None when there is none at all."""
    defaults = [
        get(rule, "applyServerSideEncryptionByDefault", default={})
        for config in stack.referencing(bucket, "bucket", *family("bucket-encryption"))
        for rule in items(get(config.props, "rules"))
    ]
    inline = get(bucket.props, "serverSideEncryptionConfiguration", "rule")
    if inline is not None:
        defaults.append(get(inline, "applyServerSideEncryptionByDefault", default={}))
    if not defaults and not stack.referencing(bucket, "bucket", *family("bucket-encryption")):
        return None
    return [(str(get(d, "sseAlgorithm", default="")), is_set(d, "kmsMasterKeyId")) for d in defaults]


def _s3_kms(bucket: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    rules = _sse_rules(bucket, stack)
    if rules is None:
        yield "no default-encryption configuration (resource or inline) for this bucket."
        return
    alb_logs = bool(stack.referencing(bucket, "accessLogs", *LOAD_BALANCERS))
    for algorithm, has_key in rules:
        if algorithm.startswith("aws:kms") and not has_key:
            yield f"{algorithm} without kmsMasterKeyId: the AWS-managed aws/s3 key would be used."
        elif algorithm == "AES256" and not alb_logs:
            yield "SSE-S3 (AES256) on a bucket that is not an ALB access-log bucket."
        elif algorithm not in ("AES256", "aws:kms", "aws:kms:dsse"):
            yield f"unknown sseAlgorithm '{algorithm}'."


SECRETS_KMS = Rule(
    name="secretsmanager-kms",
    control="docs/requirements.md §6.3, §6.4",
    description="Secrets Manager secrets are encrypted with a customer-managed KMS key.",
    fix="set kms_key_id=<the stack's KMS key ARN> on the secret.",
)

LOG_GROUP_KMS = Rule(
    name="log-group-kms",
    control="docs/requirements.md §7.1, §10.12 (log groups encrypted with the stack's key)",
    description="CloudWatch log groups are encrypted with a customer-managed KMS key.",
    fix="set kms_key_id=<the stack's KMS key ARN>; the key policy must allow logs.<region>.amazonaws.com.",
)


def _needs_key(key: str, what: str) -> Callable[[ResourceValidationArgs, Config], Iterator[str]]:
    def check(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
        if not is_set(args.props, key):
            yield f"no {key}: {what}."

    return check


SNS_KMS = Rule(
    name="sns-topic-kms",
    control="SNS.1",
    description="SNS topics are encrypted at rest with a customer-managed KMS key.",
    fix="set kms_master_key_id=<the stack's KMS key id or ARN>; the key policy must allow the publishing services.",
)

ECR_KMS = Rule(
    name="ecr-kms-encryption",
    control="ECR.5",
    description="ECR repositories encrypt images with a customer-managed KMS key.",
    fix="set encryption_configurations=[RepositoryEncryptionConfigurationArgs(encryption_type='KMS', "
    "kms_key=<the stack's key ARN>)] (replaces the repository).",
)


def _ecr_kms(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    configs = items(get(args.props, "encryptionConfigurations"))
    kms = [c for c in configs if str(get(c, "encryptionType", default="AES256")).startswith("KMS")]
    if not kms:
        yield "encryption type is AES256 (the default), not KMS."
    elif not all(is_set(c, "kmsKey") for c in kms):
        yield "KMS encryption without kmsKey: the AWS-managed aws/ecr key would be used."


STACK_KEY = Rule(
    name="kms-stack-key",
    control="docs/requirements.md §6.3, §10.12 (one key per stack for S3, RDS, ElastiCache, Secrets Manager)",
    description="Every KMS key reference points at a customer-managed key declared in this stack "
    "(or at one listed in allowedExternalKeyArns), never at an AWS-managed alias.",
    fix="pass the stack's aws.kms.Key (its .arn or .id) instead of a literal ARN or an alias/aws/* name.",
    schema={
        "allowedExternalKeyArns": {
            "type": "array",
            "items": {"type": "string", "pattern": "^arn:aws[a-z-]*:kms:"},
            "uniqueItems": True,
            "default": [],
            "description": "Keys managed outside this stack that may be used (e.g. an organisation key).",
        }
    },
)

# Which inputs of which types carry a KMS key. The dependency is recorded on the top-level input.
KEY_INPUTS: dict[str, tuple[str, ...]] = {
    **{t: tuple(k for k in (d.key, d.secret_key) if k) for t, d in DATABASES.items() if d.key},
    RDS_INSTANCE: ("kmsKeyId", "performanceInsightsKmsKeyId", "masterUserSecretKmsKeyId"),
    **{t: (c.key,) for t, c in CACHES.items() if c.key},
    DYNAMODB_TABLE: ("serverSideEncryption",),
    **{config: ("rules",) for config in family("bucket-encryption")},
    SECRET: ("kmsKeyId",),
    LOG_GROUP: ("kmsKeyId",),
    SNS_TOPIC: ("kmsMasterKeyId",),
    ECR_REPOSITORY: ("encryptionConfigurations",),
}
# Where the key sits inside a nested input, to tell "no key at all" (other rules) from "a foreign key".
NESTED_KEY: dict[str, tuple[str | int, ...]] = {
    "serverSideEncryption": ("kmsKeyArn",),
    "rules": (0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"),
    "encryptionConfigurations": (0, "kmsKey"),
}


def _stack_key(resource: PolicyResource, stack: Stack, config: Config) -> Iterator[str]:
    allowed = set(config["allowedExternalKeyArns"])
    for key in KEY_INPUTS[resource.resource_type]:
        # A key computed from this stack's key is fine even while its ARN is unknown (preview).
        if not is_set(resource.props, key) or stack.related(resource, key, KMS_KEY):
            continue
        value = get(resource.props, key, *NESTED_KEY.get(key, ()))
        if value is None or str(value) in allowed:
            continue  # no key at all is the resource's own encryption rule's finding
        if "alias/aws/" in str(value):
            yield f"{key} uses the AWS-managed key '{value}'."
        else:
            yield f"{key} '{value}' is not a KMS key of this stack."


KEY_ROTATION = Rule(
    name="kms-key-rotation",
    control="KMS.4",
    description="Customer-managed KMS keys rotate their key material automatically.",
    fix="set enable_key_rotation=True (and rotation_period_in_days, default 365).",
)


def _key_rotation(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    if get(args.props, "customerMasterKeySpec", default="SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return  # AWS rotates only symmetric encryption keys
    yield from findings(true_flag(args.props, "enableKeyRotation"))


DELETION_WINDOW = Rule(
    name="kms-key-deletion-window",
    control="docs/requirements.md §10.12 (30-day deletion window; related KMS.3)",
    description="A scheduled KMS key deletion waits long enough to notice and cancel a mistake.",
    fix="set deletion_window_in_days to at least the configured minimum (AWS accepts 7-30).",
    schema={
        "minimumDays": {
            "type": "integer",
            "minimum": 7,
            "maximum": 30,
            "default": 30,
            "description": "Smallest accepted deletion_window_in_days.",
        }
    },
)


def _deletion_window(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    days = get(args.props, "deletionWindowInDays", default=30)  # AWS default: 30
    if days < config["minimumDays"]:
        yield f"deletionWindowInDays is {days:g}, below {config['minimumDays']:g}."


POLICIES: list[Policy] = [
    resource_rule(RDS_ENCRYPTED, family("database-storage"), _rds_encrypted),
    resource_rule(RDS_MASTER_PASSWORD, family("database-storage"), _rds_master_password),
    resource_rule(RDS_PI_KMS, list(DATABASES), _rds_pi_kms),
    resource_rule(ELASTICACHE_AT_REST, family("caches"), _elasticache_at_rest),
    resource_rule(DYNAMODB_KMS, [DYNAMODB_TABLE], _dynamodb_kms),
    stack_rule(S3_KMS, family("buckets"), _s3_kms),
    resource_rule(SECRETS_KMS, [SECRET], _needs_key("kmsKeyId", "the AWS-managed aws/secretsmanager key is used")),
    resource_rule(LOG_GROUP_KMS, [LOG_GROUP], _needs_key("kmsKeyId", "the log group is encrypted by AWS only")),
    resource_rule(SNS_KMS, [SNS_TOPIC], _needs_key("kmsMasterKeyId", "messages are stored unencrypted")),
    resource_rule(ECR_KMS, [ECR_REPOSITORY], _ecr_kms),
    stack_rule(STACK_KEY, list(KEY_INPUTS), _stack_key),
    resource_rule(KEY_ROTATION, [KMS_KEY], _key_rotation),
    resource_rule(DELETION_WINDOW, [KMS_KEY], _deletion_window),
]
