"""`python -m offline.permissions`: one section per role, exit 1 when something is missing, 2 on bad input."""

from __future__ import annotations

import dataclasses

import pulumi
import pytest

from offline.permissions import __main__ as cli
from offline.permissions.check import roles_for
from offline.permissions.roles import Role
from offline.permissions.table import TableError


def test_the_report_has_a_section_per_role_and_exits_0_when_nothing_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["--stack", "staging"]) == 0
    out = capsys.readouterr().out
    for label in ("preview", "staging infra-deploy", "staging app-deploy"):
        assert f"== {label} (arn:aws:iam::" in out
    assert "production" not in out
    assert "managed PowerUserAccess v12 (2026-02-12, read 2026-11-30)" in out
    assert "NOT EXPECTED  aws:iam/role:Role deploy-infra-deploy: create/update/delete" in out


def test_a_missing_permission_is_listed_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def without_state_read(stacks: tuple[str, ...]) -> list[Role]:
        roles = roles_for(stacks)
        preview = roles[0]
        policies = tuple(p for p in preview.policies if not p.name.endswith("state-read-preview"))
        return [dataclasses.replace(preview, policies=policies), *roles[1:]]

    monkeypatch.setattr(cli, "roles_for", without_state_read)
    assert cli.main(["--stack", "staging"]) == 1
    out = capsys.readouterr().out
    assert (
        "MISSING  preview: s3:GetObject on arn:aws:s3:::socialclub-pulumi-state-123456789012-us-east-1/"
        ".pulumi/stacks/socialclub/staging.json.gz is not allowed (needed by state backend (pulumi preview))"
    ) in out


@pytest.mark.parametrize(
    "error",
    [
        TableError("aws:foo/bar:Bar (x) has no entry in the table of required actions"),
        pulumi.RunError("invalid stack config: socialclub:network.natGateways = 'per-az'"),
    ],
    ids=["table", "stack-config"],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def broken(stacks: tuple[str, ...]) -> list[Role]:
        raise error

    monkeypatch.setattr(cli, "roles_for", broken)
    assert cli.main([]) == 2
    assert capsys.readouterr().err == f"permissions: {error}\n"
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--stack", "dev"])
    assert exit_info.value.code == 2
