"""Evaluate every CI role's needs against its effective policy; report what is granted, missing, assumed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from offline.permissions import plans
from offline.permissions.evaluator import Outcome, Verdict, evaluate, evaluate_with_key_policy, within_boundary
from offline.permissions.roles import (
    Need,
    Role,
    account_root,
    app_deploy_role,
    drift_role,
    infra_deploy_role,
    preview_role,
)
from offline.permissions.table import load_table

STACKS = ("staging", "production")


@dataclass(frozen=True)
class Finding:
    role: str
    need: Need
    verdict: Verdict

    def message(self) -> str:
        request = self.need.request
        if self.verdict.outcome.granted:
            return f"{self.role}: {request.action} on {request.resource} is {self.verdict.describe()}"
        denied = f"; {self.verdict.describe()}" if self.verdict.outcome is Outcome.DENIED or self.verdict.reason else ""
        needed = f"needed by {self.need.because}{denied}"
        return f"{self.role}: {request.action} on {request.resource} is not allowed ({needed})"


@dataclass(frozen=True)
class RoleReport:
    role: Role
    findings: tuple[Finding, ...]

    def missing(self) -> list[Finding]:
        return [f for f in self.findings if not f.verdict.outcome.granted]

    def assumed(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict.outcome is Outcome.ALLOWED_ASSUMING]

    def granted(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict.outcome is Outcome.ALLOWED]


def check_role(role: Role) -> RoleReport:
    """One finding per distinct (action, resource, context) request; the first reason that needs it is kept."""
    findings: dict[tuple[str, str, str], Finding] = {}
    for need in role.needs:
        request = need.request
        key = (request.action, request.resource, repr(sorted(request.context.items())))
        if key in findings:
            continue
        identity = (*role.policies, *need.resource_policies)
        verdict = (
            evaluate_with_key_policy(
                identity, need.key_policy, request, principal=role.arn, account_root=account_root()
            )
            if need.key_policy
            else evaluate(identity, request)
        )
        if role.boundary is not None:
            verdict = within_boundary(verdict, role.boundary, request)
        findings[key] = Finding(role.label, need, verdict)
    return RoleReport(role, tuple(findings.values()))


def roles_for(stacks: Sequence[str] = STACKS) -> list[Role]:
    """The CI roles of these stacks (infra-deploy and app-deploy each) and the bootstrap's preview role."""
    table = load_table()
    bootstrap = plans.bootstrap()
    recorded = [plans.stack(s) for s in stacks]
    # Pull requests preview only the stacks the bootstrap lets them (github.previewStacks).
    previewed = [r for r in recorded if r.plan.stack in plans.preview_stacks()]
    roles = [preview_role(previewed, bootstrap, table), drift_role(recorded, bootstrap, table)]
    for stack in recorded:
        roles += [infra_deploy_role(stack, bootstrap, table), app_deploy_role(stack, bootstrap, table)]
    return roles
