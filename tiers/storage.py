"""Storage: the log bucket and the Assets and Backend buckets (docs/requirements.md §2.1; the Frontend bucket is the
CDN site's)."""

from __future__ import annotations

from dataclasses import dataclass

from components.log_bucket import ALB_PREFIX, CLOUDFRONT_PREFIX, LogBucket, LogBucketArgs
from components.object_store import ObjectStore, ObjectStoreArgs
from tiers.dns import Dns
from tiers.foundation import Foundation


@dataclass(frozen=True)
class Storage:
    logs: LogBucket
    """ALB, CloudFront and S3 access logs under their prefixes, each kept as its source's config says."""
    assets: ObjectStore
    """User media: browsers upload with URLs the API presigns, from the app's origin only; viewers read it through
    the distribution under `storage.mediaPath`."""
    objects: ObjectStore
    media_prefix: str
    """The distribution's media path without its wildcard, e.g. `/media`."""
    media_keys: str
    """The key prefix of media objects, e.g. `media/`: the distribution forwards the whole path."""


def build_storage(base: Foundation, dns: Dns) -> Storage:
    config, context, env_name, opts = base.config, base.context, base.env_name, base.opts
    storage = config.storage
    expiry = {
        ALB_PREFIX: config.service.access_log_retention_days,
        CLOUDFRONT_PREFIX: config.frontend.log_retention_days,
    }
    logs = LogBucket("logs", LogBucketArgs(context, env_name, expiry, settings=storage.logs), opts)
    assets = ObjectStore(
        "assets",
        ObjectStoreArgs(
            context,
            f"{env_name}-assets-",
            base.kms.arn,
            logs,
            upload_origins=[f"https://{dns.app_host}"],
            served_by_cdn=True,
            settings=storage.assets,
        ),
        opts,
    )
    objects = ObjectStore(
        "backend-objects",
        ObjectStoreArgs(context, f"{env_name}-backend-", base.kms.arn, logs, settings=storage.backend),
        opts,
    )
    media_prefix = storage.media_path.removesuffix("/*")
    return Storage(logs, assets, objects, media_prefix, f"{media_prefix.lstrip('/')}/")
