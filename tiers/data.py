"""Data: PostgreSQL, Redis, the real-time DynamoDB tables and the database's migration task (docs/requirements.md
§4)."""

from __future__ import annotations

from dataclasses import dataclass

from components.db_migration import DatabaseMigration, DatabaseMigrationArgs
from components.postgres_db import PostgresDb, PostgresDbArgs
from components.realtime_tables import RealtimeTables, RealtimeTablesArgs
from components.redis_cluster import RedisCluster, RedisClusterArgs
from components.security_groups import connect
from tiers.foundation import Foundation


@dataclass(frozen=True)
class Data:
    database: PostgresDb
    cache: RedisCluster
    tables: RealtimeTables
    migration: DatabaseMigration
    """The one task that holds the master secret: the deploy flow runs it after `pulumi up` to create and grant the
    API's login role (docs/first-deploy.md step 7 for the first time). It needs no image of ours."""


def build_data(base: Foundation) -> Data:
    config, env_name, opts = base.config, base.env_name, base.opts
    database = PostgresDb(
        "db",
        PostgresDbArgs(
            base.context,
            f"{env_name}-postgres",
            network=base.network,
            kms_key_arn=base.kms.arn,
            secrets=base.secrets,
            settings=config.database,
        ),
        opts,
    )
    cache = RedisCluster(
        "cache",
        RedisClusterArgs(
            f"{env_name}-redis",
            network=base.network,
            kms_key_arn=base.kms.arn,
            secrets=base.secrets,
            log_group_prefix=base.log_roots["elasticache"],
            settings=config.cache,
        ),
        opts,
    )
    tables = RealtimeTables(
        "tables", RealtimeTablesArgs(base.context, env_name, base.kms.arn, settings=config.tables), opts
    )
    migration = DatabaseMigration(
        "db-migrate",
        DatabaseMigrationArgs(
            context=base.context,
            vpc_id=base.network.vpc_id,
            subnet_ids=base.network.private_subnet_ids,
            family=f"{env_name}-db-migrate",
            image=config.database.migration_image,
            log_group_name=f"{base.log_roots['ecs']}-db-migrate",
            kms_key_arn=base.kms.arn,
            database=database,
            # An ECS task: its log is kept and protected like the backend's (docs/requirements.md §7.1).
            service=config.service,
        ),
        opts,
    )
    connect(migration, database)
    return Data(database, cache, tables, migration)
