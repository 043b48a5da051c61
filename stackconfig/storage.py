"""The `socialclub:storage` section: the settings of the Assets (user media) and Backend buckets (`ObjectStore`)
and of the stack's log bucket (`LogBucket`), all private buckets (docs/requirements.md §2.1). The log bucket's ALB
and CloudFront prefixes expire with their sources' settings: `service.accessLogRetentionDays` (ALB) and
`frontend.logRetentionDays` (CloudFront)."""

from __future__ import annotations

from pydantic import Field, field_validator

from stackconfig.base import ConfigModel

FRONTEND_BUILD_PATH = "/assets/*"
"""Where the frontend build puts its own files (`assets/js`, `assets/css`, `assets/images`; docs/requirements.md
§2.1)."""


class PrivateBucketSettings(ConfigModel):
    """What every private, versioned bucket of the stack lets a stack choose."""

    noncurrent_version_days: int = Field(default=30, ge=1, le=3650)
    """Days a replaced or deleted object stays restorable as a noncurrent version (default 30; 1-3650); after
    that it is gone for good."""
    abort_incomplete_upload_days: int = Field(default=7, ge=1, le=365)
    """Days after which the parts of a multipart upload never completed (an abandoned presigned upload) are
    deleted (default 7; 1-365)."""
    protect: bool = True
    """Pulumi `protect` on the bucket (default on): a `pulumi destroy` or a replacing change stops instead of
    deleting it."""


class ObjectStoreSettings(PrivateBucketSettings):
    """An object bucket of the API (`storage.assets`, `storage.backend`)."""

    cors_max_age_seconds: int = Field(default=3600, ge=0, le=86400)
    """Seconds browsers may cache the bucket's CORS preflight answer (default 3600; 0-86400). Only a bucket that
    takes browser uploads (Assets) has a CORS rule."""


class LogBucketSettings(ConfigModel):
    """The stack's log bucket (`storage.logs`)."""

    s3_access_log_retention_days: int = Field(default=90, ge=1, le=3650)
    """Days the S3 server access logs of the stack's buckets are kept (default 90; 1-3650)."""
    protect: bool = True
    """Pulumi `protect` on the bucket (default on)."""


class StorageConfig(ConfigModel):
    """The `socialclub:storage` section."""

    media_path: str = Field(default="/media/*", pattern=r"^/[a-z0-9-]+/\*$")
    """CloudFront path of the user media (default `/media/*`); the API stores media under that key prefix
    (`media/...`). Not `/assets/*`: the frontend build puts its own files there."""
    assets: ObjectStoreSettings = ObjectStoreSettings()
    """The Assets bucket: user media, uploaded by browsers with presigned URLs, read through CloudFront."""
    backend: ObjectStoreSettings = ObjectStoreSettings()
    """The Backend bucket: the API's private objects."""
    logs: LogBucketSettings = LogBucketSettings()
    """The log bucket: ALB, CloudFront and S3 server access logs."""

    @field_validator("media_path")
    @classmethod
    def _not_the_frontend_build(cls, path: str) -> str:
        if path == FRONTEND_BUILD_PATH:
            raise ValueError(f"{path} holds the frontend build's own files; accepted: another path such as /media/*")
        return path
