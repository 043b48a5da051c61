"""Views of property values in their wire form (protobuf Struct turned into JSON)."""

from __future__ import annotations

from typing import Any

# Special signatures of the Pulumi property wire format (sdk/go/common/resource/sig).
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
SIG_KEY = "4dabf18193072939515e22adb298388d"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REDACTED = "[secret]"


def _view(value: Any, *, redact: bool) -> Any:
    if isinstance(value, dict):
        return _view_object(value, redact=redact)
    if isinstance(value, list):
        return [_view(v, redact=redact) for v in value]
    return value


def _view_object(value: dict[str, Any], *, redact: bool) -> Any:
    """A JSON object: one of the wire format's signed values (secret, resource reference, output) or a plain map."""
    sig = value.get(SIG_KEY)
    if sig == SECRET_SIG:
        return REDACTED if redact else _view(value.get("value"), redact=redact)
    if sig == RESOURCE_REF_SIG:
        # A pack and a plan reader want the reference, not the object: its id when known, else its URN.
        return value.get("id") or value.get("urn")
    if sig == OUTPUT_SIG:
        if value.get("secret") and redact:
            return REDACTED
        return _view(value.get("value", UNKNOWN), redact=redact)
    return {k: _view(v, redact=redact) for k, v in value.items()}


def redacted(value: Any) -> Any:
    """Secrets replaced by "[secret]", references reduced to ids: what a plan document may show."""
    return _view(value, redact=True)


def unwrapped(value: Any) -> Any:
    """Secrets unwrapped, references reduced to ids: what a policy pack receives from the engine."""
    return _view(value, redact=False)
