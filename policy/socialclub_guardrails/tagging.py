"""Required tags on every AWS resource, from the explicit provider's default tags merged with its own tags."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Policy, ResourceValidationArgs
from pulumi_policy.proxy import UnknownValueError

from .helpers import Config, Props, Rule, as_json, get, resource_rule, undecided

REQUIRED_TAGS = Rule(
    name="required-tags",
    control="FSBP '<service>.x should be tagged' controls, through the explicit aws.Provider's default_tags",
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


UNKNOWN_TAG = "<unknown during preview>"


def _tags(props: Props, key: str) -> tuple[dict[str, Any], bool]:
    """The tag map at `key` with unknown values marked, and whether the whole map is unknown.

    A computed tag value (or a computed tagsAll) must not make every resource unverifiable: the keys present
    still count, and only a check the unknown decides reports it.
    """
    try:
        raw = get(props, key, default={})
    except UnknownValueError:
        return {}, True
    if not isinstance(raw, Mapping):
        return {}, False
    found: dict[str, Any] = {}
    for name in raw:
        try:
            found[name] = raw[name]
        except UnknownValueError:
            found[name] = UNKNOWN_TAG
    return found, False


def _required_tags(args: ResourceValidationArgs, config: Config) -> Iterator[str]:
    if not args.resource_type.startswith("aws:"):
        return  # providers (pulumi:providers:aws), components and other packages carry no AWS tags
    own, own_unknown = _tags(args.props, "tags")
    # After the provider's Check (a real preview), the merged set is also in tagsAll.
    merged, merged_unknown = _tags(args.props, "tagsAll")
    tags = {**provider_default_tags(args), **own, **merged}
    missing = [key for key in config["requiredKeys"] if not tags.get(key)]
    if missing and (own_unknown or merged_unknown):
        yield undecided(f"tags {missing} may be in a tag map that is unknown.", ["tags"])
    elif missing:
        where = "its provider has no default tags" if not provider_default_tags(args) else "the provider's default tags"
        yield f"tags {missing} missing ({where} and the resource's own tags lack them)."
    for key, expected in config["expectedValues"].items():
        if tags.get(key) == UNKNOWN_TAG:
            yield undecided(f"tag {key} is unknown (expected '{expected}').", ["tags", key])
        elif tags.get(key) and tags[key] != expected:
            yield f"tag {key}='{tags[key]}', expected '{expected}' in this stack."


POLICIES: list[Policy] = [resource_rule(REQUIRED_TAGS, None, _required_tags)]
