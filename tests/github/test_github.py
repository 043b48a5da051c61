"""github/: the repository's environments, variables, branch protection and OIDC subject claims, under mocks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime.mocks import MockResourceArgs

from github import plan as github_plan
from github.config import NAMESPACE, GithubConfigError, load_github_config
from github.delivery import required_checks
from offline import fakes
from offline.harness import Plan, read_stack_settings, run_program
from offline.permissions import plans
from stackconfig.loader import parse_value
from tests.support import inputs, stack_config, stack_plan

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "github"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
BRANCH_POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
ENV_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
VARIABLE = "github:index/actionsVariable:ActionsVariable"
PROTECTION = "github:index/branchProtection:BranchProtection"
OIDC_TEMPLATE = (
    "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:"
    "ActionsRepositoryOidcSubjectClaimCustomizationTemplate"
)


def settings(**sections: Any) -> dict[str, Any]:
    config, _ = read_stack_settings("repository", PROGRAM)
    config.update({f"{NAMESPACE}:{key}": json.dumps(value) for key, value in sections.items()})
    return config


def run(**sections: Any) -> Plan:
    _, secret_keys = read_stack_settings("repository", PROGRAM)
    return run_program("repository", settings(**sections), secret_keys, PROGRAM / "__main__.py")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run()


def by_name(plan: Plan, type_token: str, key: str) -> dict[str, dict[str, Any]]:
    return {inputs(r)[key]: inputs(r) for r in plan.of_type(type_token)}


def env_variables(plan: Plan) -> dict[tuple[str, str], str]:
    return {(v["environment"], v["variableName"]): v["value"] for v in map(inputs, plan.of_type(ENV_VARIABLE))}


def test_each_stack_deploys_from_its_branch_in_its_environment(plan: Plan) -> None:
    environments = by_name(plan, ENVIRONMENT, "environment")
    assert set(environments) == {"staging", "production", "drift"}
    for env in environments.values():
        assert env["repository"] == "socialclub-infra"
        assert env["deploymentBranchPolicy"] == {"customBranchPolicies": True, "protectedBranches": False}
        assert env["canAdminsBypass"] is False
    policies = {(p["environment"], p["branchPattern"]) for p in map(inputs, plan.of_type(BRANCH_POLICY))}
    assert policies == {("staging", "develop"), ("production", "main"), ("drift", "main")}


def test_production_waits_for_a_reviewer_nobody_approves_their_own_deploy(plan: Plan) -> None:
    environments = by_name(plan, ENVIRONMENT, "environment")
    team_id = int(fakes.suffix("platform-team", 6), 16)
    assert environments["production"]["reviewers"] == [{"teams": [team_id], "users": []}]
    assert environments["production"]["preventSelfReview"] is True
    assert "reviewers" not in environments["staging"] or not environments["staging"]["reviewers"]


def test_a_reviewing_user_is_looked_up_by_login() -> None:
    plan = run(environments={"production": {"branch": "main", "reviewers": {"users": ["octocat"]}}})
    production = by_name(plan, ENVIRONMENT, "environment")["production"]
    assert production["reviewers"] == [{"teams": [], "users": [int(fakes.suffix("octocat", 6), 16)]}]


def test_the_environments_hold_their_stacks_deploy_role_and_region(plan: Plan) -> None:
    variables = env_variables(plan)
    for stack in ("staging", "production"):
        reference = fakes.stack_reference(_reference_args(f"organization/socialclub/{stack}"), "")["outputs"]
        assert variables[(stack, "AWS_INFRA_DEPLOY_ROLE_ARN")] == reference["infraDeployRoleArn"]
        assert variables[(stack, "AWS_REGION")] == reference["awsRegion"]
    # The drift environment overrides the preview role (staging only) with the bootstrap's drift role.
    bootstrap = fakes.stack_reference(_reference_args("organization/socialclub-bootstrap/account"), "")["outputs"]
    assert {key: value for key, value in variables.items() if key[0] == "drift"} == {
        ("drift", "AWS_PREVIEW_ROLE_ARN"): bootstrap["driftRoleArn"]
    }


def test_the_repository_variables_the_workflows_read(plan: Plan) -> None:
    variables = {v["variableName"]: v["value"] for v in map(inputs, plan.of_type(VARIABLE))}
    bootstrap = fakes.stack_reference(_reference_args("organization/socialclub-bootstrap/account"), "")["outputs"]
    assert variables["PULUMI_BACKEND_URL"] == bootstrap["backendUrl"]
    assert variables["AWS_PREVIEW_ROLE_ARN"] == bootstrap["previewRoleArn"]
    assert variables["AWS_REGION"] == bootstrap["awsRegion"]
    assert variables["APP_REPOSITORY"] == "example-org/socialclub-client-web"
    assert variables["STAGING_API_URL"].startswith("https://") and variables["PRODUCTION_API_URL"].startswith(
        "https://"
    )
    # Every variable the workflows read without a default is set here (per environment or for the repository).
    read = {
        name for path in (ROOT / ".github" / "workflows").glob("*.yml") for name in _variables_read(path.read_text())
    }
    optional = {"BACKEND_DIR", "FRONTEND_DIR", "FRONTEND_BUILD_DIR", "NODE_VERSION", "BUILD_RUNNER", "DRIFT_STACKS"}
    optional |= {"IMAGE_SCAN_FAIL_ON"}
    assert read - optional <= set(variables) | {name for _, name in env_variables(plan)}


def test_the_stack_outputs_the_variables_come_from_exist() -> None:
    """The fake stack references answer with output names; the real programs must export each of them."""
    for stack in ("staging", "production"):
        wanted = fakes.stack_reference(_reference_args(f"organization/socialclub/{stack}"), "")["outputs"]
        assert set(wanted) <= set(stack_plan(stack).outputs), stack
    wanted = fakes.stack_reference(_reference_args("organization/socialclub-bootstrap/account"), "")["outputs"]
    assert set(wanted) <= set(plans.bootstrap().plan.outputs)


def test_deploy_branches_require_the_pull_request_checks_and_an_approval(plan: Plan) -> None:
    protections = by_name(plan, PROTECTION, "pattern")
    assert set(protections) == {"main", "develop"}
    for protection in protections.values():
        assert protection["repositoryId"] == "socialclub-infra"
        assert protection["enforceAdmins"] is True and protection["allowsForcePushes"] is False
        assert protection["allowsDeletions"] is False
        # An open review conversation blocks the merge like a failed check.
        assert protection["requireConversationResolution"] is True
        (checks,) = protection["requiredStatusChecks"]
        assert checks["strict"] is True
        assert checks["contexts"] == [
            "lint",
            "test",
            "audit dependencies",
            "plan (staging)",
            "plan (production)",
            "preview (staging)",
            "plan diff",
            "plan diff comment",
        ]
        (reviews,) = protection["requiredPullRequestReviews"]
        assert reviews["requiredApprovingReviewCount"] == 1 and reviews["dismissStaleReviews"] is True
        # Whoever pushed last cannot be the one approval: a reviewer's own late commit needs another reviewer.
        assert reviews["requireLastPushApproval"] is True


def test_required_checks_follow_the_pull_request_workflow(tmp_path: Path) -> None:
    workflow = tmp_path / "w.yml"
    workflow.write_text(
        yaml.safe_dump(
            {
                "jobs": {
                    "unnamed": {},
                    "plan": {"name": "plan (${{ matrix.stack }})", "strategy": {"matrix": {"stack": ["a", "b"]}}},
                }
            },
            sort_keys=False,
        )
    )
    assert required_checks(workflow) == ["unnamed", "plan (a)", "plan (b)"]
    workflow.write_text(
        yaml.safe_dump({"jobs": {"x": {"name": "x (${{ matrix.a }})", "strategy": {"matrix": {"a": [1], "b": [2]}}}}})
    )
    with pytest.raises(ValueError, match="one-key matrix"):
        required_checks(workflow)
    two = {"name": "x (${{ matrix.a }}, ${{ matrix.a }})", "strategy": {"matrix": {"a": [1]}}}
    workflow.write_text(yaml.safe_dump({"jobs": {"x": two}}))
    with pytest.raises(ValueError, match="one-key matrix"):
        required_checks(workflow)


def test_the_oidc_subject_keeps_github_s_default_form(plan: Plan) -> None:
    template = inputs(plan.one(OIDC_TEMPLATE))
    assert template == {"repository": "socialclub-infra", "useDefault": True}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_environments_are_the_ones_the_stacks_deploy_roles_trust(stack: str) -> None:
    infra = stack_config(stack).deploy.infra_deploy
    config, _ = read_stack_settings("repository", PROGRAM)
    assert parse_value(config[f"{NAMESPACE}:repository"]) == infra.repository
    # The role trusts `<repo claim>:environment:<env>`: the default template and an environment of that name.
    assert infra.claim.endswith(f":environment:{infra.environment}")
    assert infra.environment in parse_value(config[f"{NAMESPACE}:environments"])


def test_the_provider_takes_the_owner_and_a_secret_token() -> None:
    plan = run(token="ghp_x")
    provider = plan.one("pulumi:providers:github")
    assert inputs(provider)["owner"] == "example-org"
    assert provider.inputs["token"] != "ghp_x"


def test_bad_config_is_named_by_key_path() -> None:
    base = {k.removeprefix(f"{NAMESPACE}:"): v for k, v in settings().items() if k.startswith(f"{NAMESPACE}:")}
    bad = {
        **base,
        "repository": "socialclub-infra",
        "environments": json.dumps(
            {
                "production": {"branch": "main", "reviewers": {"teams": [f"t{i}" for i in range(7)]}},
                "drift": {"branch": "main"},
            }
        ),
        "branchProtection": json.dumps({"requiredApprovals": 0}),
    }
    with pytest.raises(GithubConfigError) as error:
        load_github_config(bad)
    lines = error.value.lines
    assert any(line.startswith(f"{NAMESPACE}:repository = 'socialclub-infra': String should match") for line in lines)
    assert f"{NAMESPACE}:environments.production.reviewers = 7: accepted: 1 to 6 teams and users in all" in lines
    assert any(line.startswith(f"{NAMESPACE}:branchProtection.requiredApprovals = 0:") for line in lines)
    (missing,) = load_errors({**base, "environments": json.dumps({"drift": {"branch": "main"}})})
    assert (
        missing == f"{NAMESPACE}:environments.drift = 'drift': drift is the drift environment; accepted: another name"
    )


def load_errors(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(GithubConfigError) as error:
        load_github_config(raw)
    return error.value.lines


def _reference_args(name: str) -> MockResourceArgs:
    return MockResourceArgs(
        typ="pulumi:pulumi:StackReference", name=name, inputs={"name": name}, provider="", resource_id=name
    )


def _variables_read(text: str) -> set[str]:
    return set(re.findall(r"vars\.([A-Z_]+)", text))


def test_bad_config_stops_the_program_with_one_line_per_problem() -> None:
    with pytest.raises(pulumi.RunError) as error:
        run(environments={"production": {"branch": "main", "reviewers": {}}})
    assert str(error.value) == (
        "invalid GitHub config:\n"
        f"{NAMESPACE}:environments.production.reviewers = 0: accepted: 1 to 6 teams and users in all"
    )


def test_make_plan_github_writes_the_plan_document(tmp_path: Path) -> None:
    document = tmp_path / "github.json"
    assert github_plan.main(["--json", str(document)]) == 0
    written = json.loads(document.read_text())
    types = {r["type"] for r in written["resources"]}
    assert {ENVIRONMENT, PROTECTION, OIDC_TEMPLATE, VARIABLE, ENV_VARIABLE} <= types
    assert written["outputs"]["environments"] == ["staging", "production", "drift"]
