"""How each CloudFront distribution type of pulumi-aws v7 spells its cache behaviours and origins.

One row per member of the `distributions` family (a test holds the table to it): a multi-tenant distribution is
judged like a standard one, although its origins say `id` and `customOriginConfigs` where the other says
`originId` and `customOriginConfig`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .helpers import Props, get, items


@dataclass(frozen=True)
class Shape:
    behaviours: str
    """The input listing the path-pattern cache behaviours (besides defaultCacheBehavior)."""
    origin_id: str
    custom_origin: str
    vpc_origin: str


DISTRIBUTIONS: dict[str, Shape] = {
    "aws:cloudfront/distribution:Distribution": Shape(
        "orderedCacheBehaviors", "originId", "customOriginConfig", "vpcOriginConfig"
    ),
    "aws:cloudfront/multitenantDistribution:MultitenantDistribution": Shape(
        "cacheBehaviors", "id", "customOriginConfigs", "vpcOriginConfigs"
    ),
}


def _one(value: Any) -> Any:
    """A nested block given as an object, or as the one-element list some types use."""
    listed = items(value)
    return listed[0] if listed else value


@dataclass(frozen=True)
class Origin:
    name: str
    props: Any
    custom: Any
    """Its custom origin config, None for an S3 or VPC origin."""
    vpc: Any


def origins(resource_type: str, props: Props) -> Iterator[Origin]:
    shape = DISTRIBUTIONS[resource_type]
    for origin in items(get(props, "origins")):
        yield Origin(
            str(get(origin, shape.origin_id, default="?")),
            origin,
            _one(get(origin, shape.custom_origin)),
            _one(get(origin, shape.vpc_origin)),
        )


def behaviours(resource_type: str, props: Props) -> Iterator[tuple[str, Any]]:
    """(where, behaviour) of the default and every path-pattern cache behaviour."""
    shape = DISTRIBUTIONS[resource_type]
    yield "defaultCacheBehavior", get(props, "defaultCacheBehavior", default={})
    for index, behaviour in enumerate(items(get(props, shape.behaviours))):
        yield f"{shape.behaviours}[{get(behaviour, 'pathPattern', default=index)}]", behaviour
