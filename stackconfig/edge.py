"""The edge sections, each the settings of its components: `socialclub:dns` (DnsZoneSettings: the zone, host
names, MX, certificates, health checks), `socialclub:frontend` (CdnSiteSettings: CloudFront and the frontend
bucket) and `socialclub:deploy` (GithubDeployRolesSettings: the GitHub Actions OIDC roles)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from stackconfig.aws_facts import HEALTH_CHECK_FAILURE_THRESHOLD_MAX, HealthCheckInterval
from stackconfig.base import ConfigModel, Problem, raise_problems
from stackconfig.github import GithubRepository

HOST_LABEL = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
DOMAIN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
GITHUB_REPOSITORY = r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$"


class HostsConfig(ConfigModel):
    """Labels under the domain; staging prefixes them (staging-app) so both stacks share one zone."""

    app: str = Field(default="app", pattern=HOST_LABEL)
    """The frontend, served by CloudFront (default app; staging-app in staging, docs/requirements.md §5.4)."""
    api: str = Field(default="api", pattern=HOST_LABEL)
    """The API, an alias to the ALB (default api; staging-api in staging)."""
    cdn: str = Field(default="cdn", pattern=HOST_LABEL)
    """Static assets, a second alias to the same CloudFront distribution (default cdn; staging-cdn in staging)."""

    @model_validator(mode="after")
    def _distinct(self) -> HostsConfig:
        labels = {"app": self.app, "api": self.api, "cdn": self.cdn}
        seen: dict[str, str] = {}
        problems: list[Problem] = []
        for key, label in labels.items():
            if label in seen:
                problems.append(Problem((key,), label, f"same label as {seen[label]}; accepted: distinct labels"))
            seen.setdefault(label, key)
        raise_problems(problems)
        return self


class MxHost(ConfigModel):
    priority: int = Field(ge=0, le=65535)
    """Lower is preferred (RFC 5321)."""
    host: str = Field(pattern=DOMAIN)
    """The mail exchanger's host name, e.g. a mail provider's inbound host."""


class MxConfig(ConfigModel):
    name: str = Field(default="", pattern=r"^$|" + HOST_LABEL)
    """Label the MX record is published at; "" (default) is the domain apex."""
    hosts: list[MxHost] = Field(min_length=1, max_length=10)
    """The mail exchangers, each with its priority."""
    ttl: int = Field(default=3600, ge=60, le=172800)
    """Record TTL in seconds (default 3600)."""


class SiteHealthChecksSettings(ConfigModel):
    """Route 53 HTTPS health checks of the api and app hosts (`dns.healthChecks`), the outside-in view the
    endpoint alarms watch (docs/requirements.md §7.1)."""

    api_path: str = Field(default="/api/health", pattern=r"^/\S*$")
    """Path probed on the api host over HTTPS (default /api/health, the API's health endpoint)."""
    frontend_path: str = Field(default="/", pattern=r"^/\S*$")
    """Path probed on the app host over HTTPS (default /, the SPA's index.html through CloudFront)."""
    request_interval: HealthCheckInterval = 30
    """Seconds between checks from each checker region; Route 53 accepts 10 (fast, costs more) or 30 (default)."""
    failure_threshold: int = Field(default=3, ge=1, le=HEALTH_CHECK_FAILURE_THRESHOLD_MAX)
    """Consecutive failures before the endpoint counts as unhealthy (default 3; Route 53 accepts 1-10)."""
    regions: tuple[str, ...] = ()
    """Route 53 checker regions (Route 53 wants at least three); empty (default): Route 53's default set."""


class EdgeCertificatesSettings(ConfigModel):
    """The ACM certificates of the ALB and CloudFront (`dns.certificates`): one wildcard certificate of the
    domain, validated through the zone (docs/requirements.md §6.2)."""

    key_algorithm: Literal["RSA_2048", "EC_prime256v1", "EC_secp384r1"] = "RSA_2048"
    """RSA_2048 (default) is accepted by every client; the EC keys are smaller and work with ALB and CloudFront."""
    validation_ttl: int = Field(default=300, ge=60, le=172800)
    """Seconds resolvers cache the DNS validation records (default 300)."""
    validation_timeout_minutes: int = Field(default=20, ge=5, le=75)
    """Minutes `pulumi up` waits for ACM to issue (default 20; the provider's own wait is 75)."""


class DnsZoneSettings(ConfigModel):
    """The `socialclub:dns` section: the public hosted zone and what the stack publishes in it."""

    domain: str = Field(pattern=DOMAIN)
    """The public hosted zone's domain, e.g. socialclub.example.com; the certificates cover it and *.domain.
    No default."""
    create_zone: bool = False
    """Default false: the zone is the account bootstrap's and is looked up by name. True makes this stack create
    it, which only suits an account without the bootstrap's zone: the certificate then validates in the same
    `up` as the zone is born, and fails unless the registrar already delegates to the new name servers."""
    protect: bool = True
    """Pulumi `protect` on a zone this stack creates (default true): a new zone gets new name servers, which
    breaks the registrar's delegation until someone updates it."""
    comment: str = Field(default="Managed by Pulumi", max_length=256)
    """The comment of a zone this stack creates (Route 53 accepts up to 256 characters)."""
    hosts: HostsConfig = HostsConfig()
    """The host labels under the domain."""
    mx: MxConfig | None = None
    """Optional MX record ("mail ... MX (if needed)", docs/requirements.md §5.4); only a stack that creates the
    zone publishes it (the account's zone takes it from the bootstrap's `dns.mx`). Default none."""
    certificates: EdgeCertificatesSettings = EdgeCertificatesSettings()
    """The certificates of the ALB and CloudFront."""
    health_checks: SiteHealthChecksSettings = SiteHealthChecksSettings()
    """The Route 53 health checks of the api and app hosts."""

    @model_validator(mode="after")
    def _owner_publishes_mx(self) -> DnsZoneSettings:
        if self.mx is not None and not self.create_zone:
            raise_problems(
                [
                    Problem(
                        ("mx",),
                        self.mx.model_dump(by_alias=True),
                        "MX belongs to the zone's owner: set it in the bootstrap (socialclub-bootstrap:dns.mx), or "
                        "here only with createZone: true",
                    )
                ]
            )
        return self


class GeoRestrictionConfig(ConfigModel):
    type: Literal["none", "whitelist", "blacklist"] = "none"
    """CloudFront geo restriction: none (default), whitelist (only these countries) or blacklist."""
    locations: list[str] = Field(default_factory=list)
    """ISO 3166-1 alpha-2 country codes (US, DE...); required unless type is none."""

    @model_validator(mode="after")
    def _locations_match_type(self) -> GeoRestrictionConfig:
        problems: list[Problem] = []
        if self.type == "none" and self.locations:
            problems.append(Problem(("locations",), self.locations, "accepted: no locations when type is none"))
        if self.type != "none" and not self.locations:
            problems.append(Problem(("locations",), self.locations, f"accepted: at least one code for {self.type}"))
        for i, code in enumerate(self.locations):
            if len(code) != 2 or not code.isascii() or not code.isupper():
                problems.append(Problem(("locations", i), code, "accepted: an ISO 3166-1 alpha-2 code such as US"))
        raise_problems(problems)
        return self


ONE_YEAR_SECONDS = 31_536_000


class CdnSiteSettings(ConfigModel):
    """The `socialclub:frontend` section: the CloudFront distribution and the private bucket of the single-page
    app (docs/requirements.md §2)."""

    default_ttl_seconds: int = Field(default=86400, ge=0, le=ONE_YEAR_SECONDS)
    """Cache TTL in seconds when the origin sends no Cache-Control (default 86400, production's; staging 3600,
    docs/requirements.md §2.2)."""
    max_ttl_seconds: int = Field(default=ONE_YEAR_SECONDS, ge=0, le=ONE_YEAR_SECONDS)
    """Upper bound in seconds on what Cache-Control may ask for (default one year, for fingerprinted assets)."""
    min_ttl_seconds: int = Field(default=0, ge=0, le=ONE_YEAR_SECONDS)
    """Lower bound in seconds on what Cache-Control may ask for (default 0: `no-cache` is honoured)."""
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    """Edge locations used: 100 = North America and Europe (default, cheapest), 200 adds Asia and more, All."""
    geo_restriction: GeoRestrictionConfig = GeoRestrictionConfig()
    """"Geographic restriction (optional)" (docs/requirements.md §2.2). Default none."""
    web_acl_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/.+")
    """An existing WAFv2 web ACL (scope CLOUDFRONT, in us-east-1) for the distribution instead of the stack's own
    (`socialclub:waf`); default none."""
    content_security_policy: str | None = Field(default=None, min_length=1)
    """Overrides the Content-Security-Policy header; default: self only, plus the api host and the media bucket
    for fetches."""
    hsts_max_age_seconds: int = Field(default=2 * ONE_YEAR_SECONDS, ge=ONE_YEAR_SECONDS)
    """Strict-Transport-Security max-age in seconds (default two years, what the HSTS preload list asks for;
    at least one year)."""
    noncurrent_version_days: int = Field(default=30, ge=1)
    """Days previous builds stay restorable in the frontend bucket (default 30)."""
    log_retention_days: int = Field(default=90, ge=1, le=3650)
    """Days the log bucket keeps CloudFront's access logs (default 90)."""
    protect: bool = True
    """Pulumi `protect` on the frontend bucket (default true; staging turns it off)."""

    @model_validator(mode="after")
    def _ttl_order(self) -> CdnSiteSettings:
        # CloudFront refuses a cache policy unless MinTTL <= DefaultTTL <= MaxTTL.
        problems = []
        if self.default_ttl_seconds > self.max_ttl_seconds:
            problems.append(
                Problem(
                    ("defaultTtlSeconds",),
                    self.default_ttl_seconds,
                    f"accepted: at most maxTtlSeconds ({self.max_ttl_seconds})",
                )
            )
        if self.min_ttl_seconds > self.default_ttl_seconds:
            problems.append(
                Problem(
                    ("minTtlSeconds",),
                    self.min_ttl_seconds,
                    f"accepted: at most defaultTtlSeconds ({self.default_ttl_seconds})",
                )
            )
        raise_problems(problems)
        return self


class GithubSubject(ConfigModel):
    """One repository and exactly one of environment or branch: the `sub` claim a job presents is pinned."""

    repository: str = Field(pattern=GITHUB_REPOSITORY)
    """`owner/name` of the repository whose workflows assume the role."""
    owner_id: int | None = Field(default=None, ge=1)
    """The owner's numeric id (`gh api repos/<owner>/<name> --jq .owner.id`). With `repositoryId`, the role
    trusts GitHub's immutable subject claim (`repo:<owner>@<id>/<name>@<id>:...`) instead of the name form:
    required for repositories created or renamed since 2026-07-15 (see stackconfig/github.py)."""
    repository_id: int | None = Field(default=None, ge=1)
    """The repository's numeric id (`gh api repos/<owner>/<name> --jq .id`); given with `ownerId`."""
    environment: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,255}$")
    """A GitHub environment (sub `repo:<owner>/<name>:environment:<env>`); its protection rules (required
    reviewers, allowed branches) are what make the role safe, so prefer it."""
    branch: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._/-]{1,255}$")
    """A branch (sub `repo:<owner>/<name>:ref:refs/heads/<branch>`), for jobs without an environment."""

    @model_validator(mode="after")
    def _exactly_one(self) -> GithubSubject:
        problems: list[Problem] = []
        if (self.environment is None) == (self.branch is None):
            problems.append(
                Problem((), {"environment": self.environment, "branch": self.branch}, "accepted: exactly one")
            )
        if (self.owner_id is None) != (self.repository_id is None):
            problems.append(
                Problem(
                    ("ownerId" if self.owner_id is None else "repositoryId",),
                    None,
                    "ownerId and repositoryId go together (the immutable subject claim needs both)",
                )
            )
        raise_problems(problems)
        return self

    @property
    def github_repository(self) -> GithubRepository:
        return GithubRepository(self.repository, self.owner_id, self.repository_id)

    @property
    def claim(self) -> str:
        repo = self.github_repository
        if self.environment is not None:
            return repo.environment_claim(self.environment)
        assert self.branch is not None  # _exactly_one
        return repo.branch_claim(self.branch)


class GithubDeployRolesSettings(ConfigModel):
    """The `socialclub:deploy` section: the roles GitHub Actions assumes through OIDC (docs/requirements.md §8)."""

    create_oidc_provider: bool = False
    """True only where this stack must create the account's GitHub OIDC provider; default false: the bootstrap
    project creates it (an account holds one provider per URL) and this stack builds its ARN from the account id."""
    app_deploy: GithubSubject
    """Who may assume the app-deploy role (push the image, roll the service, publish the frontend): the
    application repository's job in this stack's environment."""
    infra_deploy: GithubSubject
    """Who may assume the infra-deploy role (`pulumi up`): the infrastructure repository's protected
    environment or branch of this stack."""
    state_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    """The bootstrap's state bucket when its config names one; default `<namePrefix>-pulumi-state-<account>-
    <region>`, the bootstrap's default. The infra-deploy role may touch only this stack's objects in it."""
    max_session_seconds: int = Field(default=7200, ge=3600, le=43200)
    """Longest session either role grants (default two hours). A deploy job must finish inside its session or
    `pulumi up` loses its credentials half-way (a Multi-AZ RDS change alone can take an hour): the deploy
    workflow's job timeout and `role-duration-seconds` are checked against this default by the tests."""

    @model_validator(mode="after")
    def _roles_are_separate(self) -> GithubDeployRolesSettings:
        if self.app_deploy.claim == self.infra_deploy.claim:
            raise_problems(
                [
                    Problem(
                        ("infraDeploy",),
                        self.infra_deploy.claim,
                        "same subject as appDeploy; accepted: another repository, environment or branch, so an "
                        "application job cannot run pulumi up",
                    )
                ]
            )
        return self
