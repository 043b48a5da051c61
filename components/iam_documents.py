"""Pure builders of IAM policy documents, shared by every component that writes one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

import pulumi

VERSION = "2012-10-17"

Statement = dict[str, Any]


class StatementOptions(TypedDict, total=False):
    """What a statement may carry besides its actions and resources."""

    sid: str | None
    """The statement's id (default none)."""
    effect: str
    """`Allow` (default) or `Deny`."""
    principal: Mapping[str, Any] | None
    """Who, in a resource, key or trust policy (default none: an identity policy)."""
    conditions: Mapping[str, Mapping[str, Any]] | None
    """Condition operators and their keys (default none)."""


def statement(
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]] | None = None,
    **options: Unpack[StatementOptions],
) -> Statement:
    """One statement; `resources` None means a key policy or trust policy (which have no Resource)."""
    out: Statement = {"Effect": options.get("effect", "Allow"), "Action": sorted(set(actions))}
    sid, principal, conditions = options.get("sid"), options.get("principal"), options.get("conditions")
    if sid:
        out["Sid"] = sid
    if principal is not None:
        out["Principal"] = dict(principal)
    if resources is not None:
        out["Resource"] = list(resources)
    if conditions:
        out["Condition"] = {op: dict(values) for op, values in conditions.items()}
    return out


def document(*statements: Statement) -> pulumi.Output[str]:
    """A JSON policy document; statements may hold Outputs (ARNs), which are awaited."""
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": list(statements)})


def service_trust(service: str, *, source_account: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """Trust policy letting one AWS service assume a role, pinned to this account when given (confused deputy)."""
    conditions = {"StringEquals": {"aws:SourceAccount": source_account}} if source_account is not None else None
    return document(
        statement(["sts:AssumeRole"], principal={"Service": service}, conditions=conditions),
    )


def read_secrets_statements(
    secret_arns: Sequence[pulumi.Input[str]], kms_key_arn: pulumi.Input[str], region: str
) -> list[Statement]:
    """Read exactly these secrets, and decrypt them only when Secrets Manager asks (not the key at large)."""
    return [
        statement(
            ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            list(secret_arns),
            sid="ReadNamedSecrets",
        ),
        statement(
            ["kms:Decrypt"],
            [kms_key_arn],
            sid="DecryptThroughSecretsManager",
            conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        ),
    ]
