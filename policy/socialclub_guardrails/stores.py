"""How each database and cache type of pulumi-aws v7 spells the settings the data rules check.

One row per member of the families `database-storage`, `database-endpoints` and `caches` (a test holds the tables
to exactly those members), so an Aurora cluster, a DocumentDB or Neptune cluster, Redshift, a standalone
ElastiCache cluster, a serverless cache or MemoryDB is judged like the RDS instance and replication group the
project uses. Input names are the wire (camelCase) names; "unset" means the AWS default written here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Database:
    encryption_flag: str | None = None
    """The input that turns at-rest encryption on; None when the type is always encrypted or inherits it."""
    encrypted_by_default: bool = False
    key: str | None = None
    """The input naming a customer-managed KMS key; None when the type takes none."""
    public: str | None = None
    """The input that makes the endpoint reachable from the internet; None when it cannot be."""
    deletion_protection: str | None = None
    backup_days: str | None = None
    """The input holding the automated backup retention in days (AWS default 1)."""
    passwords: tuple[str, ...] = ()
    """Inputs that carry a master password written in the program."""
    managed_password: str | None = None
    """The input that has the service generate and rotate the master password in Secrets Manager."""
    copy_of: tuple[str, ...] = ()
    """Inputs that make it a replica, restore or member that takes its credentials from elsewhere."""
    secret_key: str | None = None
    """The input naming the KMS key of the managed master-password secret."""
    final_snapshot: bool = False
    """Has skipFinalSnapshot / finalSnapshotIdentifier."""
    iam_auth: bool = False
    """Has iamDatabaseAuthenticationEnabled."""
    copy_tags: bool = False
    """Has copyTagsToSnapshot."""
    insights: bool = False
    """Has performanceInsightsEnabled / performanceInsightsKmsKeyId and monitoringInterval / monitoringRoleArn."""
    parameter_group: tuple[str, str] | None = None
    """(input, parameter group type) where TLS enforcement is declared."""
    members: str | None = None
    """The instance type whose members give a cluster its availability zones."""


_RDS_COPY = ("replicateSourceDb", "snapshotIdentifier", "replicationSourceIdentifier", "globalClusterIdentifier")
_GLOBAL = Database(
    encryption_flag="storageEncrypted", deletion_protection="deletionProtection", copy_of=("sourceDbClusterIdentifier",)
)

DATABASES: dict[str, Database] = {
    "aws:rds/instance:Instance": Database(
        encryption_flag="storageEncrypted",
        key="kmsKeyId",
        public="publiclyAccessible",
        deletion_protection="deletionProtection",
        backup_days="backupRetentionPeriod",
        passwords=("password", "passwordWo"),
        managed_password="manageMasterUserPassword",
        copy_of=_RDS_COPY,
        secret_key="masterUserSecretKmsKeyId",
        final_snapshot=True,
        iam_auth=True,
        copy_tags=True,
        insights=True,
        parameter_group=("parameterGroupName", "aws:rds/parameterGroup:ParameterGroup"),
    ),
    "aws:rds/cluster:Cluster": Database(
        encryption_flag="storageEncrypted",
        key="kmsKeyId",
        public="publiclyAccessible",
        deletion_protection="deletionProtection",
        backup_days="backupRetentionPeriod",
        passwords=("masterPassword", "masterPasswordWo"),
        managed_password="manageMasterUserPassword",
        copy_of=_RDS_COPY,
        secret_key="masterUserSecretKmsKeyId",
        final_snapshot=True,
        iam_auth=True,
        copy_tags=True,
        parameter_group=("dbClusterParameterGroupName", "aws:rds/clusterParameterGroup:ClusterParameterGroup"),
        members="aws:rds/clusterInstance:ClusterInstance",
    ),
    # Cluster members: storage, backups and credentials belong to the cluster.
    "aws:rds/clusterInstance:ClusterInstance": Database(public="publiclyAccessible", copy_tags=True, insights=True),
    "aws:docdb/clusterInstance:ClusterInstance": Database(),
    "aws:neptune/clusterInstance:ClusterInstance": Database(public="publiclyAccessible"),
    "aws:rds/globalCluster:GlobalCluster": _GLOBAL,
    "aws:docdb/globalCluster:GlobalCluster": _GLOBAL,
    "aws:neptune/globalCluster:GlobalCluster": _GLOBAL,
    "aws:docdb/cluster:Cluster": Database(
        encryption_flag="storageEncrypted",
        key="kmsKeyId",
        deletion_protection="deletionProtection",
        backup_days="backupRetentionPeriod",
        passwords=("masterPassword", "masterPasswordWo"),
        managed_password="manageMasterUserPassword",
        copy_of=_RDS_COPY,
        final_snapshot=True,
        members="aws:docdb/clusterInstance:ClusterInstance",
    ),
    "aws:docdb/elasticCluster:ElasticCluster": Database(
        encrypted_by_default=True, key="kmsKeyId", backup_days="backupRetentionPeriod", passwords=("adminUserPassword",)
    ),
    "aws:neptune/cluster:Cluster": Database(
        encryption_flag="storageEncrypted",
        key="kmsKeyArn",
        deletion_protection="deletionProtection",
        backup_days="backupRetentionPeriod",
        final_snapshot=True,
        iam_auth=True,
        copy_tags=True,
        members="aws:neptune/clusterInstance:ClusterInstance",
    ),
    "aws:neptunegraph/graph:Graph": Database(
        encrypted_by_default=True,
        key="kmsKeyIdentifier",
        public="publicConnectivity",
        deletion_protection="deletionProtection",
    ),
    "aws:dsql/cluster:Cluster": Database(
        encrypted_by_default=True, key="kmsEncryptionKey", deletion_protection="deletionProtectionEnabled"
    ),
    # The provider defaults `encrypted` to true since v6.
    "aws:redshift/cluster:Cluster": Database(
        encryption_flag="encrypted",
        encrypted_by_default=True,
        key="kmsKeyId",
        public="publiclyAccessible",
        backup_days="automatedSnapshotRetentionPeriod",
        passwords=("masterPassword", "masterPasswordWo"),
        managed_password="manageMasterPassword",
        copy_of=("snapshotIdentifier",),
        secret_key="masterPasswordSecretKmsKeyId",
        final_snapshot=True,
    ),
    "aws:redshiftserverless/namespace:Namespace": Database(
        encrypted_by_default=True,
        key="kmsKeyId",
        passwords=("adminUserPassword", "adminUserPasswordWo"),
        managed_password="manageAdminPassword",
        secret_key="adminPasswordSecretKmsKeyId",
    ),
    "aws:redshiftserverless/workgroup:Workgroup": Database(public="publiclyAccessible"),
}

# The literal some types accept instead of a key ARN to mean "AWS's own key".
AWS_OWNED_KEY = "AWS_OWNED_KMS_KEY"


@dataclass(frozen=True)
class Cache:
    at_rest_flag: str | None = None
    """The input that turns at-rest encryption on; None when always on."""
    key: str | None = None
    transit_flag: str | None = None
    """The input that turns TLS on; None when always on."""
    transit_by_default: bool = False
    auth: tuple[str, ...] = ()
    """Inputs of which one must be set for clients to authenticate."""
    open_access: tuple[str, str] | None = None
    """(input, value) that switches authentication off."""
    member_of: str | None = None
    """The input that makes it a member of a replication group, which then holds every setting."""
    standalone_limits: str | None = None
    """Why a resource of this type, when not a member, cannot meet the cache rules at all."""
    inherits: bool = False
    """Every setting comes from the resources it is built from."""
    snapshots: bool = False
    """Has snapshotRetentionLimit (days; AWS default 0, no snapshots)."""
    spread: str = "nodes"
    """How it spans AZs: "nodes" (count primary + replicas, failover flags), "replicas" (numReplicasPerShard,
    default 1), "always" (AWS spreads it), "single" (one node)."""


CACHES: dict[str, Cache] = {
    "aws:elasticache/replicationGroup:ReplicationGroup": Cache(
        "atRestEncryptionEnabled",
        "kmsKeyId",
        "transitEncryptionEnabled",
        False,
        ("authToken", "userGroupIds"),
        snapshots=True,
    ),
    "aws:elasticache/cluster:Cluster": Cache(
        transit_flag="transitEncryptionEnabled",
        member_of="replicationGroupId",
        standalone_limits="a standalone ElastiCache cluster cannot encrypt at rest nor require AUTH; "
        "create an aws.elasticache.ReplicationGroup instead",
        snapshots=True,
        spread="single",
    ),
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": Cache(inherits=True),
    "aws:elasticache/serverlessCache:ServerlessCache": Cache(
        key="kmsKeyId", auth=("userGroupId",), snapshots=True, spread="always"
    ),
    "aws:memorydb/cluster:Cluster": Cache(
        key="kmsKeyArn",
        transit_flag="tlsEnabled",
        transit_by_default=True,
        auth=("aclName",),
        open_access=("aclName", "open-access"),
        snapshots=True,
        spread="replicas",
    ),
    # Regional member clusters (aws.memorydb.Cluster) hold the key and the ACL.
    "aws:memorydb/multiRegionCluster:MultiRegionCluster": Cache(transit_flag="tlsEnabled", transit_by_default=True),
}
