"""The `socialclub:storage` section: the Assets (user media) and Backend buckets, and the S3 access logs kept in
the stack's log bucket. The log bucket's other prefixes expire with their sources' settings:
`service.accessLogRetentionDays` (ALB) and `frontend.logRetentionDays` (CloudFront)."""

from __future__ import annotations

from pydantic import Field, field_validator

from stackconfig.base import ConfigModel

FRONTEND_BUILD_PATH = "/assets/*"
"""Where the frontend build puts its own files (seed: `assets/js`, `assets/css`, `assets/images`)."""


class StorageConfig(ConfigModel):
    media_path: str = Field(default="/media/*", pattern=r"^/[a-z0-9-]+/\*$")
    """CloudFront path of the user media (default `/media/*`); the API stores media under that key prefix
    (`media/...`). Not `/assets/*`: the frontend build puts its own files there."""
    assets_noncurrent_version_days: int = Field(default=30, ge=1, le=3650)
    """Days a replaced or deleted media object stays restorable (default 30); after that a user's deleted
    picture is gone for good."""
    backend_noncurrent_version_days: int = Field(default=30, ge=1, le=3650)
    """Days a replaced or deleted object of the API's private bucket stays restorable (default 30)."""
    abort_incomplete_upload_days: int = Field(default=7, ge=1, le=365)
    """Days after which the parts of a multipart upload never completed are deleted (default 7)."""
    cors_max_age_seconds: int = Field(default=3600, ge=0, le=86400)
    """How long browsers cache the Assets bucket's CORS preflight answer (default one hour)."""
    s3_access_log_retention_days: int = Field(default=90, ge=1, le=3650)
    """Days the S3 server access logs of the stack's buckets are kept in the log bucket (default 90)."""

    @field_validator("media_path")
    @classmethod
    def _not_the_frontend_build(cls, path: str) -> str:
        if path == FRONTEND_BUILD_PATH:
            raise ValueError(f"{path} holds the frontend build's own files; accepted: another path such as /media/*")
        return path
