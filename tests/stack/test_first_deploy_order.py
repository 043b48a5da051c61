"""The first deploy's order (docs/first-deploy.md step 7): an `up` without the service, the migration, the whole
`up`. The excluded URN pattern must name the service alone, and nothing the migration needs may depend on it."""

from __future__ import annotations

import re

import pytest

from offline.harness import ROOT, Plan
from tests.support import stack_plan

RUNBOOK = (ROOT / "docs" / "first-deploy.md").read_text()
EXCLUDE = re.compile(r"--exclude '([^']+)' --exclude-dependents")
SERVICE = "aws:ecs/service:Service"


def pattern(glob: str) -> re.Pattern[str]:
    """Pulumi's URN wildcards: `**` any characters, `*` any within one `::` segment (targeted-updates guide)."""
    parts = re.split(r"(\*\*|\*)", glob)
    return re.compile("".join({"**": ".*", "*": "[^:]*"}.get(p, re.escape(p)) for p in parts) + "$")


def excluded(plan: Plan, glob: str) -> set[str]:
    """The resources the pattern matches and, as `--exclude-dependents` does, everything depending on them."""
    out = {r.urn for r in plan.resources if pattern(glob).match(r.urn)}
    grew = True
    while grew:
        grew = False
        for r in plan.resources:
            needs = set(r.dependencies).union(*r.property_dependencies.values())
            if r.urn not in out and needs & out:
                out.add(r.urn)
                grew = True
    return out


def test_the_runbook_excludes_one_pattern_per_stack_it_deploys_first() -> None:
    globs = EXCLUDE.findall(RUNBOOK)
    assert globs == ["urn:pulumi:production::socialclub::**::backend-service"]


@pytest.mark.parametrize("stack", ["production", "staging"])
def test_the_first_up_leaves_out_the_service_and_keeps_everything_the_migration_needs(stack: str) -> None:
    (glob,) = EXCLUDE.findall(RUNBOOK)
    plan = stack_plan(stack)
    left_out = excluded(plan, glob.replace(":production::", f":{stack}::"))
    matched = {r.urn for r in plan.resources if pattern(glob.replace(":production::", f":{stack}::")).match(r.urn)}
    assert matched == {plan.one(SERVICE).urn}
    needed = [
        plan.one("aws:rds/instance:Instance"),
        plan.one("aws:ecs/cluster:Cluster"),
        plan.one("aws:ecs/taskDefinition:TaskDefinition", "db-migrate-task"),
        plan.one("aws:iam/role:Role", "db-migrate-execution"),
        plan.one("aws:iam/rolePolicy:RolePolicy", "db-migrate-execution"),
        plan.one("aws:cloudwatch/logGroup:LogGroup", "db-migrate-logs"),
        plan.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "db-migrate-out-database"),
        plan.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "db-migrate-out-https"),
        plan.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "db-from-migration"),
        # The role CI assumes for every later deploy, and its policies.
        *[r for r in plan.of_type("aws:iam/role:Role") if r.name.startswith("deploy-infra")],
    ]
    assert not {r.urn for r in needed} & left_out
    # What is left out is the service and what watches or scales it, created by the whole `up` that follows.
    kinds = {urn.split("::")[-2].rsplit("$", 1)[-1] for urn in left_out}
    assert kinds <= {
        SERVICE,
        "aws:appautoscaling/target:Target",
        "aws:appautoscaling/policy:Policy",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:cloudwatch/dashboard:Dashboard",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        "aws:iam/rolePolicy:RolePolicy",
    }, kinds


def test_the_pattern_semantics() -> None:
    assert pattern("urn:pulumi:p::s::**::backend-service").match("urn:pulumi:p::s::a:b:C$aws:ecs/x:Y::backend-service")
    assert not pattern("urn:pulumi:p::s::**::backend-service").match("urn:pulumi:p::s::a:b:C::backend-service-2")
    assert not pattern("urn:pulumi:p::s::*::backend-service").match("urn:pulumi:p::s::a:b::backend-service")
