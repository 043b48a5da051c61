"""Encryption in transit: HTTPS at the edge and the load balancer, TLS to the database, the cache and S3."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import Policy, PolicyResource, ResourceValidationArgs

from . import cdn, iam_documents
from .encryption import cache_spec
from .helpers import (
    Config,
    Rule,
    Stack,
    bucket_policies,
    engine_of,
    family,
    findings,
    get,
    is_set,
    items,
    known,
    resource_rule,
    stack_rule,
)
from .stores import DATABASES

HTTP_REDIRECT = Rule(
    name="alb-http-redirects-to-https",
    control="ELB.1",
    description="Load balancer listeners on plain HTTP only redirect to HTTPS: the default action and every "
    "listener rule attached to them; a classic load balancer, which cannot redirect, serves no plain HTTP.",
    fix="give the HTTP listener a single default action type='redirect' with redirect protocol='HTTPS', "
    "port='443', status_code='HTTP_301'.",
)


def _redirect_problems(where: str, actions: list[Any]) -> Iterator[str]:
    for action in actions:
        kind = get(action, "type")
        if kind != "redirect":
            yield f"{where} is '{kind}', not a redirect to HTTPS."
        elif get(action, "redirect", "protocol", default="#{protocol}") != "HTTPS":
            yield f"{where} redirects without switching to HTTPS."


HTTP_PORT = 80


def _is_http(listener: PolicyResource) -> bool:
    return bool(get(listener.props, "protocol", default="HTTP") == "HTTP")  # the provider's default for an ALB


def _http_redirect(resource: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    if resource.resource_type in family("classic-load-balancers"):
        for listener in items(get(resource.props, "listeners")):
            protocol, port = str(get(listener, "lbProtocol", default="")).lower(), get(listener, "lbPort")
            if protocol == "http" or (protocol == "tcp" and port == HTTP_PORT):
                shown = int(port) if isinstance(port, float) else port
                yield f"classic listener {protocol.upper()}:{shown} serves plain HTTP (a classic ELB cannot redirect)."
        return
    if resource.resource_type in family("listeners"):
        if _is_http(resource):
            yield from _redirect_problems(
                "the HTTP listener's default action", items(get(resource.props, "defaultActions"))
            )
        return
    for listener in stack.related(resource, "listenerArn", *family("listeners")):
        if _is_http(listener):
            yield from _redirect_problems(
                f"a rule of HTTP listener '{listener.name}'", items(get(resource.props, "actions"))
            )


TLS_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
]

LISTENER_TLS = Rule(
    name="alb-tls-policy",
    control="ELB.17",
    description="HTTPS listeners use a certificate and a TLS 1.3 security policy from the allowed list.",
    fix="set certificate_arn and ssl_policy to one of the allowed policies (the ALB terminates TLS, "
    "docs/requirements.md §5.3).",
    schema={
        "allowedPolicies": {
            "type": "array",
            "items": {"type": "string", "pattern": "^ELBSecurityPolicy-"},
            "minItems": 1,
            "uniqueItems": True,
            "default": TLS_POLICIES,
            "description": "Accepted ssl_policy values for HTTPS/TLS listeners.",
        }
    },
)


def _listener_tls(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    if get(args.props, "protocol") not in ("HTTPS", "TLS"):
        return
    policy = get(args.props, "sslPolicy", default="ELBSecurityPolicy-2016-08")  # AWS default
    yield from findings(
        (policy in config["allowedPolicies"], f"sslPolicy '{policy}' is not an allowed TLS 1.3 policy."),
        (is_set(args.props, "certificateArn"), "no certificateArn."),
    )


VIEWER_HTTPS = Rule(
    name="cloudfront-viewer-https",
    control="CloudFront.3",
    description="CloudFront cache behaviours never serve viewers over plain HTTP.",
    fix="set viewer_protocol_policy='redirect-to-https' (or 'https-only') on the default and every ordered "
    "cache behaviour.",
)


def _viewer_https(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    for where, behaviour in cdn.behaviours(args.resource_type, args.props):
        policy = get(behaviour, "viewerProtocolPolicy", default="allow-all")
        if policy not in ("redirect-to-https", "https-only"):
            yield f"{where} has viewerProtocolPolicy '{policy}'."


VIEWER_TLS = Rule(
    name="cloudfront-viewer-tls",
    control="CloudFront.7, CloudFront.8; Control Tower CT.CLOUDFRONT.PR.9 (TLSv1.2 minimum)",
    description="CloudFront serves the stack's own certificate over SNI with a modern minimum TLS version.",
    fix="set viewer_certificate=DistributionViewerCertificateArgs(acm_certificate_arn=<us-east-1 cert>, "
    "ssl_support_method='sni-only', minimum_protocol_version='TLSv1.2_2021').",
    schema={
        "allowedMinimumProtocolVersions": {
            "type": "array",
            "items": {"type": "string", "pattern": "^TLSv1\\.[23]_"},
            "minItems": 1,
            "uniqueItems": True,
            "default": ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"],
            "description": "Accepted viewer_certificate.minimum_protocol_version values.",
        }
    },
)


def _viewer_tls(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    certificate = get(args.props, "viewerCertificate", default={})
    version = get(certificate, "minimumProtocolVersion", default="TLSv1")
    yield from findings(
        (
            get(certificate, "cloudfrontDefaultCertificate") is not True and is_set(certificate, "acmCertificateArn"),
            "the default *.cloudfront.net certificate is used (it only allows TLSv1), not an ACM certificate.",
        ),
        (
            get(certificate, "sslSupportMethod", default="sni-only") == "sni-only",
            "sslSupportMethod is not 'sni-only' (dedicated IPs cost $600/month and add nothing).",
        ),
        (
            version in config["allowedMinimumProtocolVersions"],
            f"minimumProtocolVersion '{version}' is not one of {config['allowedMinimumProtocolVersions']}.",
        ),
    )


ORIGIN_TLS = Rule(
    name="cloudfront-origin-tls",
    control="CloudFront.9, CloudFront.10",
    description="CloudFront talks to custom origins (such as the ALB) over HTTPS with TLSv1.2 only.",
    fix="set custom_origin_config.origin_protocol_policy='https-only' and origin_ssl_protocols=['TLSv1.2'].",
)


def _origin_tls(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    for origin in cdn.origins(args.resource_type, args.props):
        custom, name = origin.custom, origin.name
        if custom is None:
            continue
        protocols = [str(p) for p in items(get(custom, "originSslProtocols"))]
        yield from findings(
            (
                get(custom, "originProtocolPolicy") == "https-only",
                f"origin '{name}' uses originProtocolPolicy '{get(custom, 'originProtocolPolicy')}'.",
            ),
            (
                bool(protocols) and set(protocols) <= {"TLSv1.2"},
                f"origin '{name}' allows {protocols or 'the default SSL protocols'}.",
            ),
        )


# Parameters that make an RDS engine refuse unencrypted connections, and the values that turn them on.
FORCE_TLS: dict[str, tuple[str, frozenset[str]]] = {
    "postgres": ("rds.force_ssl", frozenset({"1"})),
    "mysql": ("require_secure_transport", frozenset({"1", "ON", "on"})),
    "mariadb": ("require_secure_transport", frozenset({"1", "ON", "on"})),
}

RDS_FORCE_SSL = Rule(
    name="rds-force-ssl",
    control="docs/requirements.md §4.1 (in transit with SSL/TLS)",
    description="RDS instances and Aurora clusters use a parameter group of this stack that refuses connections "
    "without TLS.",
    fix="create an aws.rds.ParameterGroup for the engine family with parameter rds.force_ssl=1 "
    "(require_secure_transport=1 for MySQL) and pass it as parameter_group_name.",
)


def _rds_force_ssl(database: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    where = DATABASES[database.resource_type].parameter_group
    engine = engine_of(database.props).removeprefix("aurora-")  # aurora-postgresql reads rds.force_ssl too
    setting = next((v for k, v in FORCE_TLS.items() if engine.startswith(k)), None)
    if where is None or setting is None:
        return
    parameter, accepted = setting
    groups = stack.related(database, where[0], where[1])
    if not groups:
        yield f"no parameter group of this stack: TLS enforcement ({parameter}) is not declared."
        return
    for group in groups:
        values = [str(get(p, "value")) for p in items(get(group.props, "parameters")) if get(p, "name") == parameter]
        if not values or values[-1] not in accepted:
            yield f"parameter group '{group.name}' sets {parameter}={values[-1] if values else '(unset)'}."


ELASTICACHE_TRANSIT = Rule(
    name="elasticache-encryption-in-transit",
    control="ElastiCache.5, MemoryDB.3",
    description="Caches (ElastiCache replication groups and clusters, MemoryDB) require TLS from every client.",
    fix="set transit_encryption_enabled=True (tls_enabled on MemoryDB) and leave transit_encryption_mode unset or "
    "'required'.",
)


def _elasticache_transit(args: ResourceValidationArgs, _: Config) -> Iterator[str]:
    spec = cache_spec(args.resource_type, args.props)
    if spec is None or spec.transit_flag is None:
        return
    yield from findings(
        (
            get(args.props, spec.transit_flag, default=spec.transit_by_default) is True,
            f"{spec.transit_flag} is not true.",
        ),
        (
            get(args.props, "transitEncryptionMode", default="required") == "required",
            "transitEncryptionMode 'preferred' still accepts plaintext clients.",
        ),
    )


S3_TLS = Rule(
    name="s3-deny-insecure-transport",
    control="S3.5",
    description="Every S3 bucket has a bucket policy that denies requests not made over TLS.",
    fix="add to the bucket policy: Effect Deny, Principal '*', Action 's3:*', Resource the bucket and "
    "bucket/*, Condition Bool aws:SecureTransport 'false' (a NumericLessThan s3:TlsVersion 1.2 deny is a "
    "welcome extra, not a replacement).",
)


def _bucket_name(bucket: PolicyResource, stack: Stack) -> str | None:
    """The bucket's name: its own input (a real preview has it after the provider's Check fills in an autoname),
    else the `bucket` input of a bucket policy that targets it (a bucket's id is its name)."""
    for resource in [bucket, *stack.referencing(bucket, "bucket", *family("bucket-policies"))]:
        name = known(resource.props, "bucket")
        if name:
            return str(name)
    return None


def _tls_gaps(bucket: PolicyResource, stack: Stack, statements: list[iam_documents.Statement]) -> list[str]:
    """What of the bucket (itself, its objects) no TLS-only deny covers."""
    name = _bucket_name(bucket, stack)
    if name is None:
        # Neither name is known: the bucket-level ARNs the deny statements name (with the bucket's prefix) stand for it.
        prefix = str(known(bucket.props, "bucketPrefix", default=""))
        named = [
            r.split(":::", 1)[1]
            for s in statements
            if iam_documents.denies_plain_http(s)
            for r in s.resources
            if re.fullmatch(r"arn:aws[a-z-]*:s3:::[^/*?]+", r) and r.split(":::", 1)[1].startswith(prefix)
        ]
        name = named[0] if named else f"{prefix}<bucket>"
    arns = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
    return iam_documents.uncovered_bucket_arns(statements, arns)


def _s3_tls(bucket: PolicyResource, stack: Stack, _: Config) -> Iterator[str]:
    statements: list[iam_documents.Statement] = []
    for where, statement in iam_documents.statements_of(bucket_policies(bucket, stack)):
        if isinstance(statement, str):
            yield f"{where} {statement}."
        else:
            statements.append(statement)
    if not any(iam_documents.denies_plain_http(s) for s in statements):
        yield "no bucket policy statement denies s3:* to every principal when aws:SecureTransport is false."
        return
    gaps = _tls_gaps(bucket, stack, statements)
    if gaps:
        yield f"the TLS-only deny does not cover {gaps} (it must cover the bucket and bucket/*)."


POLICIES: list[Policy] = [
    stack_rule(
        HTTP_REDIRECT,
        family("listeners") + family("listener-rules") + family("classic-load-balancers"),
        _http_redirect,
    ),
    resource_rule(LISTENER_TLS, family("listeners"), _listener_tls),
    resource_rule(VIEWER_HTTPS, family("distributions"), _viewer_https),
    resource_rule(VIEWER_TLS, family("distributions"), _viewer_tls),
    resource_rule(ORIGIN_TLS, family("distributions"), _origin_tls),
    stack_rule(RDS_FORCE_SSL, family("database-storage"), _rds_force_ssl),
    resource_rule(ELASTICACHE_TRANSIT, family("caches"), _elasticache_transit),
    stack_rule(S3_TLS, family("buckets"), _s3_tls),
]
