"""Required tags on every AWS resource, from the explicit provider's default tags merged with its own tags."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Policy, ResourceValidationArgs

from .helpers import Config, Rule, as_json, get, resource_rule

REQUIRED_TAGS = Rule(
    name="required-tags",
    control="seed/brief: tagging through the explicit aws.Provider's default_tags (FSBP '<service>.x should be "
    "tagged' controls)",
    description="Every AWS resource uses a provider whose default tags carry the required keys, or carries them "
    "itself, with the stack's expected values.",
    fix="create the resource with the stack's aws.Provider (ResourceOptions(providers=...) from the component), "
    "whose default_tags hold the required keys with this stack's values.",
    schema={
        "requiredKeys": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 128},
            "uniqueItems": True,
            "default": [],
            "description": "Tag keys every AWS resource must carry.",
        },
        "expectedValues": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "default": {},
            "description": "Tag key -> the exact value this stack must use (e.g. Environment).",
        },
    },
    project={"requiredKeys": ["Project", "Environment", "Owner", "ManagedBy"]},
)


def provider_default_tags(args: ResourceValidationArgs) -> Mapping[str, Any]:
    """The default tags of the resource's provider. Provider inputs reach the engine JSON-encoded."""
    if args.provider is None:
        return {}
    default_tags = as_json(get(args.provider.props, "defaultTags", default={}))
    tags = get(default_tags, "tags", default={})
    return tags if isinstance(tags, Mapping) else {}


def _required_tags(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    if not args.resource_type.startswith("aws:"):
        return  # providers (pulumi:providers:aws), components and other packages carry no AWS tags
    tags = {
        **provider_default_tags(args),
        **get(args.props, "tags", default={}),
        # After the provider's Check (a real preview), the merged set is also in tagsAll.
        **get(args.props, "tagsAll", default={}),
    }
    missing = [key for key in config["requiredKeys"] if not tags.get(key)]
    if missing:
        where = "its provider has no default tags" if not provider_default_tags(args) else "the provider's default tags"
        yield f"tags {missing} missing ({where} and the resource's own tags lack them)."
    for key, expected in config["expectedValues"].items():
        if tags.get(key) and tags[key] != expected:
            yield f"tag {key}='{tags[key]}', expected '{expected}' in this stack."


POLICIES: list[Policy] = [resource_rule(REQUIRED_TAGS, None, _required_tags)]
