"""The `socialclub:database`, `socialclub:cache` and `socialclub:tables` sections: the settings of `PostgresDb`,
`RedisCluster` and `RealtimeTables` (docs/requirements.md §4).

Each default is the staging figure of docs/requirements.md §4 and is safe (deletion protection and `protect` on);
production raises what it must in `Pulumi.production.yaml`, and the rules that only production enforces
(Multi-AZ data stores, backup and snapshot retention) live in `StackConfig._problems` because they need
`environment`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from stackconfig.aws_facts import (
    CACHE_NODE_TYPES,
    GP3_IOPS_RANGE,
    GP3_PROVISIONING_THRESHOLD_GB,
    GP3_THROUGHPUT_RANGE,
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    PINNED_IMAGE,
    POSTGRES_IDENTIFIER,
    RDS_RESERVED_MASTER_USERNAMES,
    RESERVED_ROLE_NAMES,
    RESERVED_ROLE_PREFIXES,
)
from stackconfig.base import ConfigModel, Path, Problem, RetentionDays, raise_problems

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

_DAILY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_DAY = "(" + "|".join(DAYS) + ")"
_WEEKLY = re.compile(rf"^{_DAY}:([01]\d|2[0-3]):([0-5]\d)-{_DAY}:([01]\d|2[0-3]):([0-5]\d)$")

Window = tuple[int, int]
"""(start, length) in minutes on a circle: of a day for daily windows, of a week (Monday 00:00 = 0) for weekly."""


def role_name_problem(name: str) -> str | None:
    """Why `name` cannot be a login role the stack creates, or None."""
    if not POSTGRES_IDENTIFIER.match(name):
        return "accepted: a lowercase PostgreSQL identifier, [a-z_][a-z0-9_]*, at most 63 characters"
    if name in RESERVED_ROLE_NAMES or name.startswith(RESERVED_ROLE_PREFIXES):
        return "reserved by PostgreSQL or RDS (postgres, admin, public, pg_*, rds*); choose another name"
    return None


def parse_daily_window(text: str) -> Window | None:
    """`hh:mm-hh:mm` (UTC) as (start, length) on the day circle; None when malformed or empty."""
    match = _DAILY.match(text)
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    length = (end - start) % MINUTES_PER_DAY
    return (start, length) if length else None


def parse_weekly_window(text: str) -> Window | None:
    """`ddd:hh:mm-ddd:hh:mm` (UTC) as (start, length) on the week circle; None when malformed or empty."""
    match = _WEEKLY.match(text)
    if match is None:
        return None
    d1, h1, m1, d2, h2, m2 = match.groups()
    start = DAYS.index(d1) * MINUTES_PER_DAY + int(h1) * 60 + int(m1)
    end = DAYS.index(d2) * MINUTES_PER_DAY + int(h2) * 60 + int(m2)
    length = (end - start) % MINUTES_PER_WEEK
    return (start, length) if length else None


def _arcs_overlap(a: Window, b: Window, circle: int) -> bool:
    """Two arcs of one circle share a minute when either starts inside the other."""
    return (b[0] - a[0]) % circle < a[1] or (a[0] - b[0]) % circle < b[1]


def daily_overlaps_weekly(daily: Window, weekly: Window) -> bool:
    """Whether a window that recurs every day (backups) meets a weekly one (maintenance) on any day."""
    return any(
        _arcs_overlap((day * MINUTES_PER_DAY + daily[0], daily[1]), weekly, MINUTES_PER_WEEK) for day in range(7)
    )


def window_problems(
    daily_window: tuple[str, str], weekly_window: tuple[str, str], *, min_minutes: int, daily_label: str
) -> Iterator[Problem]:
    """Format, minimum length and no overlap of a daily backup/snapshot window and a weekly maintenance window,
    each given as (YAML key, value)."""
    (daily_key, daily_text), (weekly_key, weekly_text) = daily_window, weekly_window
    daily = parse_daily_window(daily_text)
    weekly = parse_weekly_window(weekly_text)
    if daily is None:
        yield Problem((daily_key,), daily_text, "accepted: hh:mm-hh:mm in UTC, e.g. 03:00-04:00")
    elif daily[1] < min_minutes:
        yield Problem((daily_key,), daily_text, f"the {daily_label} window must last at least {min_minutes} minutes")
    if weekly is None:
        yield Problem((weekly_key,), weekly_text, "accepted: ddd:hh:mm-ddd:hh:mm in UTC, e.g. sun:04:30-sun:05:30")
    elif not min_minutes <= weekly[1] <= MINUTES_PER_DAY:
        yield Problem(
            (weekly_key,), weekly_text, f"the maintenance window must last between {min_minutes} minutes and 24 hours"
        )
    if daily is not None and weekly is not None and daily_overlaps_weekly(daily, weekly):
        yield Problem(
            (weekly_key,),
            weekly_text,
            f"overlaps {daily_key} {daily_text}; AWS refuses overlapping {daily_label} and maintenance windows",
        )


class PostgresDbSettings(ConfigModel):
    """RDS for PostgreSQL 15 (docs/requirements.md §4.1)."""

    instance_class: str = Field(default="db.t3.small", pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    """DB instance class (default db.t3.small; docs/requirements.md §4.1: db.t3.small staging, db.r6g.xlarge
    production)."""
    multi_az: bool = True
    """A synchronous standby in another AZ (default on, both stacks in docs/requirements.md §4.1; production
    requires it)."""
    allocated_storage_gb: int = Field(default=100, ge=20, le=65_536)
    """Initial gp3 storage in GiB (default 100, docs/requirements.md §4.1); 20-65536, RDS's gp3 limits."""
    max_allocated_storage_gb: int = Field(default=1000, le=65_536)
    """Storage autoscaling ceiling in GiB (default 1000, docs/requirements.md §4.1); at least 10% above
    allocatedStorageGb, as RDS requires."""
    iops: int | None = None
    """Provisioned gp3 IOPS; only from 400 GiB (12000-64000). Below 400 GiB gp3 runs at the 3000 IOPS baseline
    (docs/requirements.md §4.1, "IOPS: 3000") and RDS rejects an explicit value. Default: none (the baseline)."""
    storage_throughput_mibps: int | None = None
    """Provisioned gp3 throughput in MiB/s; only from 400 GiB (500-4000). Default: none (125 MiB/s baseline)."""
    database_name: str = Field(default="socialclub", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """Database created with the instance (default `socialclub`, the Prisma schema's database)."""
    master_username: str = Field(default="socialclub_admin", pattern=r"^[a-z][a-z0-9_]{0,62}$")
    """Master user (default `socialclub_admin`); RDS generates and rotates its password in Secrets Manager.
    `postgres`, `rdsadmin` and `admin` are refused."""
    app_username: str = "socialclub_app"
    """The role the API logs in as, with IAM database authentication (no password): created and granted by the
    migration task, never the master user, never superuser (default `socialclub_app`). A lowercase identifier,
    not reserved."""
    backup_retention_days: int = Field(default=30, ge=1, le=35)
    """Days of automated backups (default 30, docs/requirements.md §4.1; RDS allows 1-35; 0 would turn backups
    off and is refused)."""
    backup_window: str = "03:00-04:00"
    """Daily backup window, hh:mm-hh:mm UTC, at least 30 minutes (default 03:00-04:00)."""
    maintenance_window: str = "sun:04:30-sun:05:30"
    """Weekly maintenance window, ddd:hh:mm-ddd:hh:mm UTC, 30 minutes to 24 hours, not overlapping the backups
    (default sun:04:30-sun:05:30)."""
    performance_insights_retention_days: int = 7
    """Days Performance Insights keeps its data: 7 (default, free), a multiple of 31 up to 713, or 731."""
    monitoring_interval_seconds: Literal[1, 5, 10, 15, 30, 60] = 60
    """Seconds between enhanced-monitoring (OS metrics) samples (default 60)."""
    log_retention_days: RetentionDays = 7
    """Days the exported postgresql and upgrade logs are kept (default 7, docs/requirements.md §7.1)."""
    deletion_protection: bool = True
    """RDS deletion protection (default on): the API refuses to delete the instance until it is turned off."""
    protect: bool = True
    """Pulumi `protect` on the instance (default on): a `pulumi destroy` or a replacing change stops instead of
    deleting the database."""

    @model_validator(mode="after")
    def _consistent(self) -> PostgresDbSettings:
        raise_problems(self._problems())
        return self

    def _problems(self) -> Iterator[Problem]:
        if self.master_username in RDS_RESERVED_MASTER_USERNAMES:
            yield Problem(("masterUsername",), self.master_username, "reserved by RDS; choose another name")
        app_problem = role_name_problem(self.app_username)
        if app_problem is not None:
            yield Problem(("appUsername",), self.app_username, app_problem)
        elif self.app_username == self.master_username:
            yield Problem(
                ("appUsername",), self.app_username, "must differ from masterUsername: the API never logs in as master"
            )
        yield from self._storage_problems()
        if self.performance_insights_retention_days not in PERFORMANCE_INSIGHTS_RETENTION_DAYS:
            yield Problem(
                ("performanceInsightsRetentionDays",),
                self.performance_insights_retention_days,
                "accepted: 7, a multiple of 31 up to 713, or 731",
            )
        yield from window_problems(
            ("backupWindow", self.backup_window),
            ("maintenanceWindow", self.maintenance_window),
            min_minutes=30,
            daily_label="backup",
        )

    def _storage_problems(self) -> Iterator[Problem]:
        floor = -(-self.allocated_storage_gb * 11 // 10)  # ceil(1.1 x allocated)
        if self.max_allocated_storage_gb < floor:
            yield Problem(
                ("maxAllocatedStorageGb",),
                self.max_allocated_storage_gb,
                f"storage autoscaling needs a ceiling at least 10% above allocatedStorageGb: >= {floor}",
            )
        provisioned: list[tuple[Path, int, tuple[int, int]]] = []
        if self.iops is not None:
            provisioned.append((("iops",), self.iops, GP3_IOPS_RANGE))
        if self.storage_throughput_mibps is not None:
            provisioned.append((("storageThroughputMibps",), self.storage_throughput_mibps, GP3_THROUGHPUT_RANGE))
        for path, value, (low, high) in provisioned:
            if self.allocated_storage_gb < GP3_PROVISIONING_THRESHOLD_GB:
                yield Problem(
                    path,
                    value,
                    f"RDS rejects explicit gp3 performance below {GP3_PROVISIONING_THRESHOLD_GB} GiB "
                    f"(allocatedStorageGb is {self.allocated_storage_gb}): the volume runs at the 3000 IOPS / "
                    "125 MiB/s baseline; remove the key or allocate 400 GiB or more",
                )
            elif not low <= value <= high:
                yield Problem(path, value, f"accepted from 400 GiB: {low}-{high}")


class DatabaseConfig(PostgresDbSettings):
    """The `socialclub:database` section: the database's settings and the image of its migration task."""

    migration_image: str
    """PostgreSQL client image of the migration task, pinned by digest:
    `public.ecr.aws/docker/library/postgres:15-alpine@sha256:<64 hex>`. Required, no default;
    get the digest with `crane digest public.ecr.aws/docker/library/postgres:15-alpine` or
    `docker buildx imagetools inspect public.ecr.aws/docker/library/postgres:15-alpine` (the `Digest:` line)."""

    def _problems(self) -> Iterator[Problem]:
        yield from super()._problems()
        if not PINNED_IMAGE.match(self.migration_image):
            yield Problem(
                ("migrationImage",),
                self.migration_image,
                "accepted: <registry host>/<repository>[:<tag>]@sha256:<64 lowercase hex>, pinned by digest, e.g. "
                "public.ecr.aws/docker/library/postgres:15-alpine@sha256:...; get the digest with `crane digest "
                "public.ecr.aws/docker/library/postgres:15-alpine`",
            )


CacheEngine = Literal["redis", "valkey"]


class RedisClusterSettings(ConfigModel):
    """The ElastiCache replication group (section `socialclub:cache`, docs/requirements.md §4.3)."""

    engine: CacheEngine = "redis"
    """`redis` (default: Redis OSS 7, docs/requirements.md §4.3) or `valkey` (same protocol and clients, lower
    node price)."""
    node_type: str = "cache.t3.small"
    """Node type (default cache.t3.small; docs/requirements.md §4.3: cache.t3.small staging, cache.r6g.xlarge
    production); one of the current-generation types in stackconfig/aws_facts.py."""
    nodes: int = Field(default=1, ge=1, le=6)
    """Nodes: one primary plus replicas (default 1; docs/requirements.md §4.3: 1 staging, 3 production; 1-6).
    From 2, Multi-AZ and automatic failover are on."""
    snapshot_retention_days: int = Field(default=1, ge=1, le=35)
    """Days daily snapshots are kept (default 1; 1-35; production requires at least 7; 0 would turn snapshots off
    and is refused)."""
    snapshot_window: str = "02:00-03:00"
    """Daily snapshot window, hh:mm-hh:mm UTC, at least 60 minutes (default 02:00-03:00)."""
    maintenance_window: str = "sun:05:00-sun:06:00"
    """Weekly maintenance window, ddd:hh:mm-ddd:hh:mm UTC, 60 minutes to 24 hours, not overlapping the snapshots
    (default sun:05:00-sun:06:00)."""
    log_retention_days: RetentionDays = 3
    """Days the slow-log and engine-log groups keep their records (default 3, docs/requirements.md §7.1)."""
    auth_token_update_strategy: Literal["SET", "ROTATE"] = "SET"
    """How a change of the AUTH token reaches the cache. SET (default): only the current token is accepted.
    ROTATE: the old and the new token are both accepted, for the length of a rotation; set it back to SET
    (one more `pulumi up`) to revoke the old token (docs/first-deploy.md, "Rotating the Redis AUTH token")."""
    protect: bool = True
    """Pulumi `protect` on the replication group (default on): a `pulumi destroy` or a replacing change stops
    instead of deleting the cache."""

    @field_validator("node_type")
    @classmethod
    def _known_node_type(cls, node_type: str) -> str:
        if node_type not in CACHE_NODE_TYPES:
            families = sorted({t.split(".")[1] for t in CACHE_NODE_TYPES})
            raise ValueError(
                f"not a current-generation ElastiCache node type; accepted: cache.<family>.<size> with family one "
                f"of {', '.join(families)} (e.g. cache.t4g.small, cache.r7g.xlarge)"
            )
        return node_type

    @model_validator(mode="after")
    def _consistent(self) -> RedisClusterSettings:
        raise_problems(
            window_problems(
                ("snapshotWindow", self.snapshot_window),
                ("maintenanceWindow", self.maintenance_window),
                min_minutes=60,
                daily_label="snapshot",
            )
        )
        return self


class CapacityRange(ConfigModel):
    """Provisioned capacity units per table: the autoscaling floor (also the initial value) and ceiling."""

    min: int = Field(default=5, ge=1, le=40_000)
    """Autoscaling floor and the capacity a table is created with (default 5; 1-40000 units)."""
    max: int = Field(default=100, ge=1, le=40_000)
    """Autoscaling ceiling (default 100; 1-40000 units; not below `min`)."""

    @model_validator(mode="after")
    def _ordered(self) -> CapacityRange:
        if self.min > self.max:
            raise_problems([Problem(("min",), self.min, f"must not exceed max ({self.max})")])
        return self


BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]


class RealtimeTablesSettings(ConfigModel):
    """The four real-time DynamoDB tables (section `socialclub:tables`, docs/requirements.md §4.2)."""

    billing_mode: BillingMode = "PAY_PER_REQUEST"
    """`PAY_PER_REQUEST` (default: on-demand, staging in docs/requirements.md §4.2) or `PROVISIONED` with
    target-tracking autoscaling (production)."""
    read_capacity: CapacityRange = CapacityRange()
    """PROVISIONED only: read capacity units of each table, autoscaled between min and max (default 5-100)."""
    write_capacity: CapacityRange = CapacityRange()
    """PROVISIONED only: write capacity units of each table, autoscaled between min and max (default 5-100)."""
    target_utilization_percent: int = Field(default=70, ge=20, le=90)
    """PROVISIONED only: the consumed share of provisioned capacity the autoscaling keeps, in percent (default
    70; Application Auto Scaling accepts 20-90)."""
    point_in_time_recovery_days: int = Field(default=35, ge=1, le=35)
    """How far back point-in-time recovery reaches, in days (default 35; DynamoDB: 1-35)."""
    deletion_protection: bool = True
    """DynamoDB deletion protection on each table (default on): the API refuses to delete it until it is off."""
    protect: bool = True
    """Pulumi `protect` on each table (default on): a `pulumi destroy` or a replacing change stops instead of
    deleting it."""

    @model_validator(mode="after")
    def _capacity_only_when_provisioned(self) -> RealtimeTablesSettings:
        if self.billing_mode == "PAY_PER_REQUEST":
            raise_problems(
                Problem((to_camel(field),), _plain(getattr(self, field)), "applies only to billingMode PROVISIONED")
                for field in ("read_capacity", "write_capacity", "target_utilization_percent")
                if field in self.model_fields_set
            )
        return self


def _plain(value: object) -> object:
    """A value as written in YAML, for an error line."""
    return value.model_dump(by_alias=True) if isinstance(value, ConfigModel) else value


PRODUCTION_BACKUP_RETENTION_DAYS = 30
"""The 30-day database backups of docs/requirements.md §4.1; staging may keep fewer to save storage, production
may not."""
PRODUCTION_SNAPSHOT_RETENTION_DAYS = 7


def production_data_problems(database: PostgresDbSettings, cache: RedisClusterSettings) -> Iterator[Problem]:
    """Production's data stores survive the loss of an AZ and keep the backups of docs/requirements.md §4 (paths
    from the root)."""
    if not database.multi_az:
        yield Problem(("database", "multiAz"), database.multi_az, "production requires a Multi-AZ database")
    if database.backup_retention_days < PRODUCTION_BACKUP_RETENTION_DAYS:
        yield Problem(
            ("database", "backupRetentionDays"),
            database.backup_retention_days,
            f"production keeps backups at least {PRODUCTION_BACKUP_RETENTION_DAYS} days (docs/requirements.md §4.1); "
            "accepted: 30-35",
        )
    if cache.nodes < 2:
        yield Problem(
            ("cache", "nodes"),
            cache.nodes,
            "production requires a Multi-AZ cache with automatic failover: at least 2 nodes",
        )
    if cache.snapshot_retention_days < PRODUCTION_SNAPSHOT_RETENTION_DAYS:
        yield Problem(
            ("cache", "snapshotRetentionDays"),
            cache.snapshot_retention_days,
            f"production keeps cache snapshots at least {PRODUCTION_SNAPSHOT_RETENTION_DAYS} days; accepted: 7-35",
        )
