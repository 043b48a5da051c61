"""What SocialClub keeps in Secrets Manager: the 16 secrets of docs/requirements.md §6.4, by group.

Nine are named there; the seven added here are the ones the backend and the deploy flow need
(docs/requirements.md §10.2).
"""

from __future__ import annotations

from dataclasses import replace

from stackconfig.security import SecretSpec

SENTRY_DSN = "monitoring/sentry-dsn"

SECRETS: tuple[SecretSpec, ...] = (
    SecretSpec("aws/role-arn", "ARN of the GitHub Actions deploy role", rotation="none", source="program"),
    SecretSpec("aws/ecr-registry", "ECR registry host of the backend image", rotation="none", source="program"),
    SecretSpec(
        "database/database-url",
        "postgresql:// URL without the password; the password is the RDS-managed master secret",
        rotation="none",
        source="program",
    ),
    SecretSpec(
        "database/redis-url",
        "rediss:// URL with the AUTH token, derived from the cache",
        rotation="none",
        source="program",
    ),
    SecretSpec(
        "api/vite-api-url", "Public API base URL baked into the frontend build", rotation="none", source="program"
    ),
    SecretSpec("api/backend-url", "Backend base URL for server-to-server calls", rotation="none", source="program"),
    SecretSpec("integration/stripe-key", "Stripe secret API key"),
    SecretSpec("integration/stripe-webhook-secret", "Stripe webhook signing secret"),
    SecretSpec("integration/twilio-account-sid", "Twilio account SID"),
    SecretSpec("integration/twilio-key", "Twilio auth token"),
    SecretSpec("integration/sendgrid-key", "SendGrid API key"),
    SecretSpec("integration/google-maps-key", "Google Maps Platform key for venue search"),
    SecretSpec("auth/jwt-secret", "Signing key of access tokens", source="generated"),
    SecretSpec("auth/jwt-refresh-secret", "Signing key of refresh tokens", source="generated"),
    SecretSpec(SENTRY_DSN, "Sentry DSN of the backend project"),
    SecretSpec("notifications/slack-webhook-url", "Slack incoming webhook for deploy and alarm notices"),
)


def secret_catalog(*, sentry_managed: bool) -> tuple[SecretSpec, ...]:
    """The secrets of a stack: with Sentry managed by the stack (`socialclub:sentry.enabled`), the program writes
    the DSN of the project it creates (a key Sentry issues, nothing a person rotates), and stack config may no
    longer set it."""
    if not sentry_managed:
        return SECRETS
    return tuple(replace(s, source="program", rotation="none") if s.key == SENTRY_DSN else s for s in SECRETS)
