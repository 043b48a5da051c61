"""The database, cache and tables sections: windows, gp3 rules, retention, billing, production rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stackconfig import ConfigError, StackConfig, load_stack_config
from stackconfig.data import daily_overlaps_weekly, parse_daily_window, parse_weekly_window, window_problems
from tests.support.config import stack_settings


def load(stack: str, **sections: dict[str, Any]) -> StackConfig:
    """The stack file with some keys of the data sections replaced (None removes a key)."""
    settings, region = stack_settings(stack)
    settings = copy.deepcopy(settings)
    for section, changes in sections.items():
        for key, value in changes.items():
            if value is None:
                settings[section].pop(key, None)
            else:
                settings[section][key] = value
    return load_stack_config(settings, region)


def errors(stack: str, **sections: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(stack, **sections)
    return caught.value.lines


def test_stack_files_carry_the_required_sizes() -> None:
    staging, production = load("staging"), load("production")
    assert (staging.database.instance_class, production.database.instance_class) == ("db.t3.small", "db.r6g.xlarge")
    assert (staging.cache.node_type, staging.cache.nodes) == ("cache.t3.small", 1)
    assert (production.cache.node_type, production.cache.nodes) == ("cache.r6g.xlarge", 3)
    for config in (staging, production):
        db = config.database
        assert (db.multi_az, db.allocated_storage_gb, db.max_allocated_storage_gb) == (True, 100, 1000)
        assert (db.backup_retention_days, db.log_retention_days, config.cache.log_retention_days) == (30, 7, 3)
        assert (db.iops, db.storage_throughput_mibps) == (None, None)
        assert config.cache.engine == "redis"
    assert (staging.tables.billing_mode, production.tables.billing_mode) == ("PAY_PER_REQUEST", "PROVISIONED")


def test_sections_may_be_left_out_and_get_the_staging_sizes() -> None:
    settings, region = stack_settings("staging")
    for section in ("cache", "tables"):
        settings.pop(section)
    # The migration task's image is the one database key without a default.
    settings["database"] = {"migrationImage": settings["database"]["migrationImage"]}
    config = load_stack_config(settings, region)
    assert (config.database.instance_class, config.cache.nodes, config.tables.billing_mode) == (
        "db.t3.small",
        1,
        "PAY_PER_REQUEST",
    )


RDS_GP3_MINIMUM_GB = 20
"""RDS for PostgreSQL on gp3 allocates at least 20 GiB (RDS user guide, "Amazon RDS DB instance storage")."""


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_storage_below_the_gp3_minimum_is_refused_naming_the_key(stack: str) -> None:
    [line] = errors(stack, database={"allocatedStorageGb": RDS_GP3_MINIMUM_GB - 1})
    assert line == (
        f"socialclub:database.allocatedStorageGb = {RDS_GP3_MINIMUM_GB - 1}: "
        f"Input should be greater than or equal to {RDS_GP3_MINIMUM_GB}"
    )


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_gp3_minimum_itself_is_accepted(stack: str) -> None:
    config = load(stack, database={"allocatedStorageGb": RDS_GP3_MINIMUM_GB, "maxAllocatedStorageGb": 1000})
    assert config.database.allocated_storage_gb == RDS_GP3_MINIMUM_GB


@pytest.mark.parametrize("key", ["iops", "storageThroughputMibps"])
def test_gp3_performance_below_400_gib_is_refused(key: str) -> None:
    [line] = errors("staging", database={key: 3000})
    assert line.startswith(f"socialclub:database.{key} = 3000: RDS rejects explicit gp3 performance below 400 GiB")
    assert "3000 IOPS / 125 MiB/s baseline" in line


def test_gp3_performance_from_400_gib_within_aws_ranges() -> None:
    ok = load("production", database={"allocatedStorageGb": 400, "iops": 12000, "storageThroughputMibps": 500})
    assert (ok.database.iops, ok.database.storage_throughput_mibps) == (12000, 500)
    lines = errors("production", database={"allocatedStorageGb": 400, "iops": 3000, "storageThroughputMibps": 125})
    assert lines == [
        "socialclub:database.iops = 3000: accepted from 400 GiB: 12000-64000",
        "socialclub:database.storageThroughputMibps = 125: accepted from 400 GiB: 500-4000",
    ]


def test_storage_ceiling_must_leave_room_to_grow() -> None:
    [line] = errors("staging", database={"maxAllocatedStorageGb": 105})
    assert line == (
        "socialclub:database.maxAllocatedStorageGb = 105: storage autoscaling needs a ceiling at least 10% above "
        "allocatedStorageGb: >= 110"
    )


def test_overlapping_backup_and_maintenance_windows() -> None:
    [line] = errors("staging", database={"backupWindow": "04:00-05:00"})
    assert line.startswith("socialclub:database.maintenanceWindow = 'sun:04:30-sun:05:30': overlaps backupWindow")


def test_overlapping_snapshot_and_maintenance_windows() -> None:
    [line] = errors("production", cache={"snapshotWindow": "05:30-06:30"})
    assert line.startswith("socialclub:cache.maintenanceWindow = 'sun:05:00-sun:06:00': overlaps snapshotWindow")


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("database", "backupWindow", "3am-4am", "accepted: hh:mm-hh:mm in UTC"),
        ("database", "backupWindow", "03:00-03:15", "at least 30 minutes"),
        ("database", "maintenanceWindow", "sunday 04:30", "accepted: ddd:hh:mm-ddd:hh:mm in UTC"),
        ("database", "maintenanceWindow", "sun:04:30-tue:05:30", "between 30 minutes and 24 hours"),
        ("cache", "snapshotWindow", "02:00-02:30", "at least 60 minutes"),
        ("cache", "maintenanceWindow", "sun:05:00-sun:05:30", "between 60 minutes and 24 hours"),
    ],
)
def test_malformed_or_short_windows(section: str, key: str, value: str, message: str) -> None:
    lines = errors("staging", **{section: {key: value}})
    # A window longer than a day also meets every daily window; that second line is right too.
    assert any(line.startswith(f"socialclub:{section}.{key} = {value!r}: ") and message in line for line in lines)


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        ("database", "backupRetentionDays", 0, "greater than or equal to 1"),
        ("database", "backupRetentionDays", 36, "less than or equal to 35"),
        ("database", "performanceInsightsRetentionDays", 30, "accepted: 7, a multiple of 31 up to 713, or 731"),
        ("database", "logRetentionDays", 10, "not a CloudWatch Logs retention"),
        ("database", "instanceClass", "t3.small", "String should match pattern"),
        ("database", "masterUsername", "postgres", "reserved by RDS"),
        ("cache", "engine", "memcached", "'redis' or 'valkey'"),
        ("cache", "nodes", 7, "less than or equal to 6"),
        ("cache", "snapshotRetentionDays", 0, "greater than or equal to 1"),
        ("cache", "nodeType", "r6g.xlarge", "not a current-generation ElastiCache node type"),
        # Well formed but not a node type AWS offers: the create would fail half-way through `pulumi up`.
        ("cache", "nodeType", "cache.r6g.huge", "accepted: cache.<family>.<size> with family one of"),
        ("cache", "nodeType", "cache.x9.large", "not a current-generation ElastiCache node type"),
        ("cache", "authTokenUpdateStrategy", "DELETE", "'SET' or 'ROTATE'"),
        ("tables", "billingMode", "ON_DEMAND", "'PAY_PER_REQUEST' or 'PROVISIONED'"),
        ("tables", "targetUtilizationPercent", 95, "less than or equal to 90"),
        ("tables", "pointInTimeRecoveryDays", 36, "less than or equal to 35"),
    ],
)
def test_bad_values_name_key_value_and_what_is_accepted(section: str, key: str, value: Any, message: str) -> None:
    lines = errors("production", **{section: {key: value}})
    located = [line for line in lines if line.startswith(f"socialclub:{section}.{key} = ")]
    assert located and message in located[0], lines


def test_capacity_range_must_be_ordered() -> None:
    [line] = errors("production", tables={"readCapacity": {"min": 50, "max": 10}})
    assert line == "socialclub:tables.readCapacity.min = 50: must not exceed max (10)"


def test_a_fixed_capacity_is_a_range_of_one_value() -> None:
    config = load("production", tables={"readCapacity": {"min": 10, "max": 10}})
    assert (config.tables.read_capacity.min, config.tables.read_capacity.max) == (10, 10)


def test_the_autoscaling_ceiling_may_be_exactly_10_percent_above_the_allocation() -> None:
    # RDS: the maximum storage threshold must be at least 10% more than the allocated storage (100 GiB -> 110).
    assert load("staging", database={"maxAllocatedStorageGb": 110}).database.max_allocated_storage_gb == 110
    [line] = errors("staging", database={"maxAllocatedStorageGb": 109})
    assert line.startswith("socialclub:database.maxAllocatedStorageGb = 109:")


def test_a_maintenance_window_may_last_a_whole_day_but_not_longer() -> None:
    # RDS and ElastiCache accept a weekly maintenance window of up to 24 hours. Every 24-hour window meets a daily
    # one, so the length is checked apart from the overlap: with a malformed daily window there is no overlap.
    def maintenance_problems(weekly: str) -> list[str]:
        found = window_problems(("backupWindow", "x"), ("maintenanceWindow", weekly), min_minutes=30, daily_label="b")
        return [p.message for p in found if p.path == ("maintenanceWindow",)]

    assert maintenance_problems("sun:04:30-mon:04:30") == []
    assert maintenance_problems("sun:04:30-mon:04:31") == [
        "the maintenance window must last between 30 minutes and 24 hours"
    ]
    assert maintenance_problems("sun:04:30-sun:04:59") == [
        "the maintenance window must last between 30 minutes and 24 hours"
    ]


def test_capacity_is_refused_for_on_demand_tables() -> None:
    [line] = errors("staging", tables={"writeCapacity": {"min": 5, "max": 50}})
    assert line == ('socialclub:tables.writeCapacity = {"min": 5, "max": 50}: applies only to billingMode PROVISIONED')


def test_unknown_key_in_a_data_section() -> None:
    [line] = errors("staging", cache={"numNodes": 2})
    assert line == "socialclub:cache.numNodes = 2: unknown key; remove it or fix its spelling"


def test_production_requires_multi_az_stores_and_the_required_retention() -> None:
    lines = errors(
        "production",
        database={"multiAz": False, "backupRetentionDays": 7},
        cache={"nodes": 1, "snapshotRetentionDays": 1},
    )
    assert lines == [
        "socialclub:database.multiAz = false: production requires a Multi-AZ database",
        "socialclub:database.backupRetentionDays = 7: production keeps backups at least 30 days "
        "(docs/requirements.md §4.1); accepted: 30-35",
        "socialclub:cache.nodes = 1: production requires a Multi-AZ cache with automatic failover: at least 2 nodes",
        "socialclub:cache.snapshotRetentionDays = 1: production keeps cache snapshots at least 7 days; accepted: 7-35",
    ]


def test_staging_may_run_one_cache_node_and_shorter_backups() -> None:
    config = load("staging", database={"backupRetentionDays": 7, "multiAz": False})
    assert (config.cache.nodes, config.database.backup_retention_days, config.database.multi_az) == (1, 7, False)


def test_window_arithmetic() -> None:
    assert parse_daily_window("23:30-00:30") == (1410, 60)
    assert parse_weekly_window("sun:23:00-mon:01:00") == (6 * 1440 + 1380, 120)
    assert parse_daily_window("03:00-03:00") is None
    # A daily window meets a weekly one on the weekly one's day only, across midnight and the week's end too.
    assert daily_overlaps_weekly((0, 30), parse_weekly_window("sun:23:45-mon:00:15") or (0, 0))
    assert not daily_overlaps_weekly((60, 60), parse_weekly_window("sun:02:00-sun:03:00") or (0, 0))
    assert daily_overlaps_weekly((23 * 60 + 30, 60), parse_weekly_window("wed:00:00-wed:00:45") or (0, 0))


PINNED = "public.ecr.aws/docker/library/postgres:15-alpine@sha256:" + "ab" * 32


def test_the_stack_files_name_the_app_user_and_a_pinned_client_image() -> None:
    for stack in ("staging", "production"):
        db = load(stack).database
        assert db.app_username == "socialclub_app" != db.master_username
        assert db.migration_image is not None
        assert db.migration_image.startswith("public.ecr.aws/docker/library/postgres:15-alpine@sha256:")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("socialclub_admin", "must differ from masterUsername"),
        ("postgres", "reserved by PostgreSQL or RDS"),
        ("rdsadmin", "reserved by PostgreSQL or RDS"),
        ("rds_superuser", "reserved by PostgreSQL or RDS"),
        ("pg_monitor", "reserved by PostgreSQL or RDS"),
        ("App", "accepted: a lowercase PostgreSQL identifier"),
        ("1app", "accepted: a lowercase PostgreSQL identifier"),
        ('app"; DROP ROLE x; --', "accepted: a lowercase PostgreSQL identifier"),
        ("a" * 64, "accepted: a lowercase PostgreSQL identifier"),
    ],
)
def test_a_bad_app_username_is_named_by_its_key(value: str, message: str) -> None:
    [line] = errors("staging", database={"appUsername": value})
    assert line.startswith(f"socialclub:database.appUsername = {value!r}: {message}")


def test_the_app_username_follows_the_identifier_rules() -> None:
    assert load("staging", database={"appUsername": "_api_rw2"}).database.app_username == "_api_rw2"
    assert load("staging", database={"appUsername": "a" * 63}).database.app_username == "a" * 63


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_a_stack_without_a_migration_image_is_refused_before_any_resource(stack: str) -> None:
    assert errors(stack, database={"migrationImage": None}) == [
        "socialclub:database.migrationImage: required key is missing"
    ]
    settings, region = stack_settings(stack)
    del settings["database"]
    with pytest.raises(ConfigError) as caught:
        load_stack_config(settings, region)
    assert caught.value.lines == ["socialclub:database: required key is missing"]


@pytest.mark.parametrize(
    "value",
    [
        "public.ecr.aws/docker/library/postgres:15-alpine",  # a tag moves
        "postgres:15-alpine@sha256:" + "ab" * 32,  # no registry host
        "public.ecr.aws/docker/library/postgres@sha256:" + "AB" * 32,  # upper-case hex
        "public.ecr.aws/docker/library/postgres@sha256:" + "ab" * 31,  # short digest
        "public.ecr.aws/docker/library/postgres:15-alpine@sha512:" + "ab" * 32,
    ],
)
def test_the_migration_image_must_be_pinned_by_digest(value: str) -> None:
    [line] = errors("staging", database={"migrationImage": value})
    assert line.startswith("socialclub:database.migrationImage = ")
    assert "accepted: <registry host>/<repository>[:<tag>]@sha256:<64 lowercase hex>" in line
    assert "crane digest" in line


def test_a_pinned_migration_image_with_or_without_tag_is_accepted() -> None:
    for value in (PINNED, PINNED.replace(":15-alpine", ""), "registry.example.com:5000/tools/psql@sha256:" + "0" * 64):
        assert load("staging", database={"migrationImage": value}).database.migration_image == value
