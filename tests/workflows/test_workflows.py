"""The GitHub Actions workflows, read as data: OIDC, policy pack, environments, concurrency, pinning, secrets."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.db_migration import CONTAINER_NAME
from stackconfig.aws_facts import ImageRef, parse_image
from stackconfig.service import ServiceConfig
from tests.support import stack_config, stack_plan
from tests.support.workflows import (
    CONFIGURE_AWS,
    GITHUB,
    Job,
    action_paths,
    jobs,
    load,
    triggers,
    workflow,
    workflow_paths,
)

ROOT = Path(__file__).resolve().parents[2]
REUSABLE_DEPLOY = "$/.github/workflows/deploy.yml"
SHA_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")


def all_steps() -> Iterator[tuple[str, dict[str, Any]]]:
    for job in jobs():
        for step in job.steps:
            yield f"{job.file}:{job.id}", step
    for path in action_paths():
        for step in load(path)["runs"].get("steps", []):
            yield str(path.relative_to(GITHUB)), step


def commands(prefix: str) -> list[tuple[Job, str]]:
    return [
        (job, line.strip())
        for job in jobs()
        for script in job.scripts()
        for line in script.splitlines()
        if line.strip().startswith(prefix)
    ]


def test_the_delivery_workflows_exist_and_parse() -> None:
    names = {p.name for p in workflow_paths()}
    assert {"pull-request.yml", "deploy.yml", "deploy-staging.yml", "deploy-production.yml"} <= names
    for path in workflow_paths():
        document = load(path)
        assert triggers(document), path.name
        assert document["jobs"], path.name


def test_every_action_reference_is_pinned_to_a_full_commit_sha_with_its_version() -> None:
    remote = 0
    for path in [*workflow_paths(), *action_paths()]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = USES_LINE.match(line)
            if match is None:
                continue
            ref, rest = match["ref"], match["rest"]
            where = f"{path.name}:{number}: {ref}"
            if ref.startswith("$/"):
                continue  # this repository at the running commit
            assert SHA_PINNED.match(ref), f"{where} is not pinned to a 40-hex commit SHA"
            assert VERSION_COMMENT.search(rest), f"{where} lacks its `# vX.Y.Z` comment"
            remote += 1
    assert remote >= 10, "expected the workflows to use pinned third-party actions"


def test_each_action_is_pinned_to_one_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in [*workflow_paths(), *action_paths()]:
        for line in path.read_text().splitlines():
            match = USES_LINE.match(line)
            if match and not match["ref"].startswith("$/"):
                action, sha = match["ref"].split("@")
                pins.setdefault(action, set()).add(f"{sha} {match['rest'].strip()}")
    drifted = {action: shas for action, shas in pins.items() if len(shas) > 1}
    assert not drifted


def test_local_references_use_the_self_repository_syntax() -> None:
    for where, step in all_steps():
        assert not str(step.get("uses", "")).startswith("./"), where
    for job in jobs():
        assert not str(job.body.get("uses", "")).startswith("./"), f"{job.file}:{job.id}"


def test_top_level_permissions_are_empty() -> None:
    for path in workflow_paths():
        assert load(path).get("permissions") == {}, path.name


def test_every_job_states_least_privilege_permissions() -> None:
    for job in jobs():
        where = f"{job.file}:{job.id}"
        assert "permissions" in job.body, f"{where} inherits permissions instead of stating them"
        permissions = job.body["permissions"]
        assert isinstance(permissions, dict), f"{where}: {permissions!r}"
        for scope, level in permissions.items():
            # The plan diff's comment job writes its pull request's comment, and runs no code of the pull request.
            comments = (job.file, job.id, scope) == ("pull-request.yml", "diff-comment", "pull-requests")
            assert level in ("read", "none") or (scope, level) == ("id-token", "write") or comments, f"{where}: {scope}"


def test_id_token_write_exactly_where_a_role_is_assumed_through_oidc() -> None:
    called = {
        f"$/.github/workflows/{p.name}": any(
            Job(p.name, i, b).steps_using(CONFIGURE_AWS) for i, b in load(p)["jobs"].items()
        )
        for p in workflow_paths()
    }
    for job in jobs():
        where = f"{job.file}:{job.id}"
        wants_token = job.permissions.get("id-token") == "write"
        if "uses" in job.body:
            assert wants_token == called[job.body["uses"]], where
            continue
        oidc = job.steps_using(CONFIGURE_AWS)
        assert wants_token == bool(oidc), where
        for step in oidc:
            inputs = step.get("with", {})
            assert str(inputs.get("role-to-assume", "")).startswith("${{ vars."), where
            assert not {"aws-access-key-id", "aws-secret-access-key"} & set(inputs), where


def test_no_long_lived_aws_keys_anywhere() -> None:
    for path in [*workflow_paths(), *action_paths()]:
        text = path.read_text()
        assert "AWS_ACCESS_KEY_ID" not in text, path.name
        assert "aws-secret-access-key" not in text, path.name


def test_checkout_never_persists_credentials() -> None:
    checkouts = [(w, s) for w, s in all_steps() if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts
    for where, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, where


def test_no_expression_is_expanded_inside_a_script() -> None:
    """Values reach scripts through `env:` only: nothing (a secret, a branch name) is pasted into shell."""
    for where, step in all_steps():
        assert "${{" not in str(step.get("run", "")), where


def test_no_workflow_runs_untrusted_code_with_the_base_repository_token() -> None:
    for path in workflow_paths():
        assert "pull_request_target" not in triggers(load(path)), path.name
        assert "workflow_run" not in triggers(load(path)), path.name


def test_pulumi_up_and_preview_always_run_the_policy_pack_of_their_stack() -> None:
    ups, previews = commands("pulumi up"), commands("pulumi preview")
    assert ups and previews
    for job, command in ups + previews:
        where = f"{job.file}:{job.id}: {command}"
        # A pull request is judged by the protected branch's pack (checked out to base/), a deploy by its own
        # branch's, which is the protected one.
        pack = "base/policy" if job.file == "pull-request.yml" else "policy"
        assert f"--policy-pack {pack} " in command, where
        assert f'--policy-pack-config "{pack}/$STACK.json"' in command, where
        assert '--stack "$STACK"' in command, where


def test_every_pulumi_job_assumes_its_role_through_oidc_before_pulumi_runs() -> None:
    pulumi_jobs = {(job.file, job.id): job for job, _ in commands("pulumi up") + commands("pulumi preview")}
    assert pulumi_jobs
    for job in pulumi_jobs.values():
        where = f"{job.file}:{job.id}"
        assert job.permissions.get("id-token") == "write", where
        steps = job.steps
        oidc = next(i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith(CONFIGURE_AWS))
        first_pulumi = next(i for i, s in enumerate(steps) if "pulumi " in str(s.get("run", "")))
        assert oidc < first_pulumi, where


def deploy_jobs() -> dict[str, Job]:
    return {i: Job("deploy.yml", i, b) for i, b in workflow("deploy.yml")["jobs"].items()}


def reusable_deploy_job() -> Job:
    """The one job of the reusable deploy workflow that runs `pulumi up`."""
    (job,) = {job.id: job for job, _ in commands("pulumi up") if job.file == "deploy.yml"}.values()
    return job


def stack_deploy_config(stack: str) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    config: dict[str, Any] = document["config"]["socialclub:deploy"]
    return config


def role_variable(job: Job) -> str:
    (step,) = job.steps_using(CONFIGURE_AWS)
    return str(step["with"]["role-to-assume"])


@pytest.mark.parametrize(
    ("caller", "branch", "stack"),
    [("deploy-staging.yml", "develop", "staging"), ("deploy-production.yml", "main", "production")],
)
def test_each_branch_deploys_its_stack_in_the_environment_its_role_trusts(caller: str, branch: str, stack: str) -> None:
    document = workflow(caller)
    assert triggers(document)["push"]["branches"] == [branch]
    (job,) = document["jobs"].values()
    assert job["uses"] == REUSABLE_DEPLOY
    assert job["with"]["stack"] == stack
    # A manual run from another branch must not deploy that branch's code.
    assert job["if"] == f"github.ref == 'refs/heads/{branch}'"

    deploy = reusable_deploy_job()
    environment = str(deploy.body["environment"]["name"]).replace("${{ inputs.stack }}", stack)
    # The environment is what the stack's infra-deploy role trusts (components/github_deploy_roles.py).
    assert environment == stack_deploy_config(stack)["infraDeploy"]["environment"] == stack
    assert role_variable(deploy) == "${{ vars.AWS_INFRA_DEPLOY_ROLE_ARN }}"


def test_production_is_the_stack_of_main_only() -> None:
    stacks_by_branch = {
        tuple(triggers(workflow(name))["push"]["branches"]): next(iter(workflow(name)["jobs"].values()))["with"][
            "stack"
        ]
        for name in ("deploy-staging.yml", "deploy-production.yml")
    }
    assert stacks_by_branch == {("develop",): "staging", ("main",): "production"}


def test_the_deploy_waits_for_the_checks_and_the_build() -> None:
    assert set(reusable_deploy_job().body["needs"]) == {"checks", "build"}
    assert reusable_deploy_job().id == "deploy"


def test_two_deploys_of_one_stack_never_overlap() -> None:
    groups = {}
    for name, stack in (("deploy-staging.yml", "staging"), ("deploy-production.yml", "production")):
        concurrency = workflow(name)["concurrency"]
        assert stack in concurrency["group"], name
        assert concurrency["cancel-in-progress"] is False, name
        groups[stack] = concurrency["group"]
    assert groups["staging"] != groups["production"]
    job_concurrency = reusable_deploy_job().body["concurrency"]
    assert "${{ inputs.stack }}" in job_concurrency["group"]
    assert job_concurrency["cancel-in-progress"] is False


def test_pull_request_preview_runs_only_for_branches_of_this_repository() -> None:
    previews = {job.id: job for job, _ in commands("pulumi preview")}
    assert previews
    for job in previews.values():
        assert job.file == "pull-request.yml"
        assert "github.event.pull_request.head.repo.full_name == github.repository" in job.body["if"]
    assert set(triggers(workflow("pull-request.yml"))) == {"pull_request"}


def test_pull_requests_lint_test_and_plan_both_stacks() -> None:
    document = workflow("pull-request.yml")
    scripts = "\n".join(s for job in jobs() if job.file == "pull-request.yml" for s in job.scripts())
    for command in ("make lint", "make test", ".ci/lint-workflows", 'make plan STACK="$STACK" POLICY_PACK=base/policy'):
        assert command in scripts, command
    assert document["jobs"]["plan"]["strategy"]["matrix"]["stack"] == ["staging", "production"]
    # Production is never previewed from a pull request: its state and secrets stay out of the preview role's reach.
    assert document["jobs"]["preview"]["strategy"]["matrix"]["stack"] == ["staging"]


def test_pull_requests_are_judged_by_the_protected_branch_s_pack() -> None:
    for job in (j for j in jobs() if j.file == "pull-request.yml" and j.id in ("plan", "preview")):
        (base,) = [s for s in job.steps_using("actions/checkout") if s["with"].get("path") == "base"]
        assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}", job.id
        assert base["with"]["sparse-checkout"] == "policy" and base["with"]["persist-credentials"] is False


def test_the_image_is_rolled_out_by_digest_through_stack_config() -> None:
    push = next(s for s in reusable_deploy_job().steps if s.get("id") == "push")
    assert 'tag="$BUILD_TAG_PREFIX$APP_SHA-$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT"' in push["run"]
    # The prefix the repository's lifecycle policy expires old builds by: otherwise every CI image is kept.
    for stack in ("staging", "production"):
        prefix = stack_config(stack).service.repository.build_tag_prefix
        assert workflow("deploy.yml")["env"]["BUILD_TAG_PREFIX"] == prefix, stack
    assert "@\\(sha256:[0-9a-f]\\{64\\}\\)" in push["run"]
    assert 'echo "image=$tag@$digest"' in push["run"]
    up = next(s for s in reusable_deploy_job().steps if "pulumi up" in str(s.get("run", "")))
    assert up["env"]["IMAGE"] == "${{ steps.push.outputs.image }}"
    assert 'pulumi config set --stack "$STACK" --path "$IMAGE_CONFIG_PATH" "$IMAGE"' in up["run"]


def test_the_pushed_image_reference_is_what_the_service_config_accepts() -> None:
    namespace, _, path = workflow("deploy.yml")["env"]["IMAGE_CONFIG_PATH"].partition(":")
    assert namespace == "socialclub"
    section, field = path.split(".")
    assert section == "service" and field in ServiceConfig.model_fields
    # What the push step writes: <app commit>-<run id>-<attempt>@sha256:<digest>.
    written = f"{'a' * 40}-12345678901-1@sha256:{'0' * 64}"
    assert parse_image(written) == ImageRef(tag=f"{'a' * 40}-12345678901-1", digest=f"sha256:{'0' * 64}")


def test_application_code_is_built_without_aws_credentials() -> None:
    build = deploy_jobs()["build"]
    assert "id-token" not in build.permissions
    assert not build.steps_using(CONFIGURE_AWS)
    # The deploy job only loads the image and copies static files: it runs no npm or docker build.
    scripts = "\n".join(reusable_deploy_job().scripts())
    assert "npm " not in scripts and "docker build" not in scripts


def test_pulumi_up_then_frontend_upload_invalidation_bounded_smoke_test_and_tag() -> None:
    runs = [str(s.get("run", "")) for s in reusable_deploy_job().steps]

    def index(fragment: str) -> int:
        return next(i for i, run in enumerate(runs) if fragment in run)

    assert index("docker push") < index("pulumi up") < index("aws s3 sync") < index("create-invalidation")
    assert index("create-invalidation") < index("/api/health") < index("put-image")
    smoke = runs[index("/api/health")]
    assert re.search(r"--retry \d+ ", smoke) and re.search(r"--max-time \d+ ", smoke)
    assert "--cache-control" in runs[index("aws s3 sync")]


def test_slack_is_told_the_outcome_whatever_happened() -> None:
    notify = workflow("deploy.yml")["jobs"]["notify"]
    assert notify["if"] == "always()"
    assert set(notify["needs"]) == set(deploy_jobs()) - {"notify"}
    assert notify["permissions"] == {}
    (step,) = notify["steps"]
    assert step["env"]["SLACK_WEBHOOK_URL"] == "${{ secrets.SLACK_WEBHOOK_URL }}"
    for job_id in notify["needs"]:
        assert f"${{{{ needs.{job_id}.result }}}}" in step["env"]["RESULTS"], job_id


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_stack_outputs_the_deploy_reads_exist(stack: str) -> None:
    wanted = {value for key, value in workflow("deploy.yml")["env"].items() if key.startswith("OUTPUT_")}
    assert {"ecrRepositoryUrl", "frontendBucketName", "frontendDistributionId", "appUrl", "apiUrl"} <= wanted
    missing = wanted - set(stack_plan(stack).outputs)
    assert not missing, f"{stack} does not export {sorted(missing)}"


def _step_index(job: Job, needle: str) -> int:
    found = [i for i, s in enumerate(job.steps) if needle in str(s.get("run", ""))]
    assert found, f"{job.file}:{job.id} has no step running {needle!r}"
    return found[0]


def test_every_job_that_runs_pulumi_puts_uv_on_path_and_builds_the_pack_first() -> None:
    """`toolchain: uv` makes the CLI exec `uv` from PATH; a local pack runs in policy/venv, which the CLI does
    not build. Both must be in place before the first pulumi command of a job."""
    checked = 0
    for job in jobs():
        pulumi_steps = [i for i, s in enumerate(job.steps) if re.search(r"^\s*pulumi ", str(s.get("run", "")), re.M)]
        if not pulumi_steps:
            continue
        checked += 1
        setup = _step_index(job, 'make -s uv-path >> "$GITHUB_PATH"')
        assert setup < pulumi_steps[0], f"{job.file}:{job.id}"
        if any("--policy-pack" in str(job.steps[i].get("run", "")) for i in pulumi_steps):
            assert "policy-venv" in str(job.steps[_step_index(job, "policy-venv")]["run"])
            assert _step_index(job, "policy-venv") < pulumi_steps[0], f"{job.file}:{job.id}"
    assert checked >= 2


def test_the_deploy_job_ends_inside_its_role_session() -> None:
    job = reusable_deploy_job()
    (credentials,) = job.steps_using(CONFIGURE_AWS)
    session = int(credentials["with"]["role-duration-seconds"])
    assert job.body["timeout-minutes"] * 60 <= session
    for stack in ("staging", "production"):
        assert session <= stack_config(stack).deploy.max_session_seconds, stack


def test_image_tags_move_only_after_the_service_runs_the_new_revision() -> None:
    job = reusable_deploy_job()
    up = _step_index(job, "pulumi up")
    verify = _step_index(job, "aws ecs describe-services")
    script = str(job.steps[verify]["run"])
    assert "rolloutState" in script and "COMPLETED" in script and '"$running" != "$wanted"' in script
    assert up < verify < _step_index(job, 'probe "$API_URL/api/health"') < _step_index(job, "aws ecr put-image")
    outputs = workflow("deploy.yml")["env"]
    program = (ROOT / "__main__.py").read_text()
    for key in ("OUTPUT_CLUSTER", "OUTPUT_SERVICE", "OUTPUT_TASK_DEFINITION"):
        assert f'pulumi.export("{outputs[key]}"' in program, key


def test_the_application_repository_must_be_named() -> None:
    job = next(j for j in jobs() if j.file == "deploy.yml" and j.id == "build")
    (checkout,) = [s for s in job.steps_using("actions/checkout")]
    assert checkout["with"]["repository"] == "${{ vars.APP_REPOSITORY }}"
    assert _step_index(job, '[[ -n "$APP_REPOSITORY" ]]') < job.steps.index(checkout)


def test_previews_run_against_the_image_the_stack_runs() -> None:
    job = next(j for j in jobs() if j.file == "pull-request.yml" and j.id == "preview")
    pin = _step_index(job, "serviceImage")
    assert pin == _step_index(job, "pulumi preview")
    script = str(job.steps[pin]["run"])
    assert script.index("socialclub:service.image") < script.index("pulumi preview")


def test_the_database_migration_runs_after_pulumi_up_and_its_exit_code_decides() -> None:
    """The API's login role exists before the release is verified: a failed or unstarted migration task fails."""
    job = reusable_deploy_job()
    migrate = _step_index(job, "aws ecs run-task")
    assert _step_index(job, "pulumi up") < migrate < _step_index(job, "aws ecs describe-services")
    script = str(job.steps[migrate]["run"]).replace("\\\n", " ")
    assert script.startswith("set -euo pipefail\n")
    run_task = next(line for line in script.splitlines() if "aws ecs run-task" in line)
    for flag in (
        '--cluster "$cluster"',
        '--task-definition "$task_definition"',
        "--launch-type FARGATE",
        '--started-by "deploy-$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT"',
        "awsvpcConfiguration={subnets=[$subnets],securityGroups=[$group],assignPublicIp=DISABLED}",
    ):
        assert flag in run_task, flag
    # No task started (capacity, a missing role...) is a failure, not a silent skip.
    assert 'if [[ -z "$task" ]]; then' in script and ".failures" in script
    assert script.index("aws ecs run-task") < script.index('aws ecs wait tasks-stopped --cluster "$cluster" --tasks')
    assert script.index("aws ecs wait tasks-stopped") < script.index("aws ecs describe-tasks")
    assert "containers[?name=='$MIGRATION_CONTAINER'] | [0].exitCode" in script
    check = script[script.index('if [[ "$code" != 0 ]]; then') :]
    assert check.index("exit 1") < check.index("fi\n")
    env = workflow("deploy.yml")["env"]
    assert env["MIGRATION_CONTAINER"] == CONTAINER_NAME
    # Every AWS CLI command the step runs is cited in its comment.
    comment = (ROOT / ".github/workflows/deploy.yml").read_text().split("Create or update the application's")[1]
    comment = comment.split("run: |")[0]
    for command in ("ecs run-task", "ecs wait tasks-stopped", "ecs describe-tasks", "logs get-log-events"):
        assert command in comment, command
    program = (ROOT / "__main__.py").read_text()
    for key in (
        "OUTPUT_MIGRATION_TASK_DEFINITION",
        "OUTPUT_MIGRATION_SUBNETS",
        "OUTPUT_MIGRATION_SECURITY_GROUP",
        "OUTPUT_MIGRATION_LOG_GROUP",
    ):
        assert f'pulumi.export("{env[key]}"' in program, key


# --- security scans: the image about to be deployed, the project's own dependencies ----------------------------

SCAN_STEP = "Gate on ECR's scan of the image"


def scan_gate(counts: str, fail_on: str, tmp_path: Path) -> tuple[int, str, list[str]]:
    """Run the deploy's scan-gate script with a stand-in `aws` that reports `counts` (ECR's findingSeverityCounts
    JSON): exit status, job summary and the aws commands it ran."""
    step = next(s for s in reusable_deploy_job().steps if s.get("name") == SCAN_STEP)
    calls = tmp_path / "aws-calls"
    fake = tmp_path / "bin" / "aws"
    fake.parent.mkdir()
    fake.write_text(
        f'#!/usr/bin/env bash\necho "$*" >> {calls}\n'
        f"if [[ \"$1 $2\" == 'ecr describe-image-scan-findings' ]]; then echo '{counts}'; fi\n"
    )
    fake.chmod(0o755)
    summary = tmp_path / "summary.md"
    env = {
        "PATH": f"{fake.parent}:{os.environ['PATH']}",
        "REPOSITORY_NAME": "socialclub/backend",
        "DIGEST": "sha256:" + "a" * 64,
        "FAIL_ON": fail_on,
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    done = subprocess.run(["bash", "-c", step["run"]], env=env, capture_output=True, text=True, check=False)
    ran = calls.read_text().splitlines() if calls.exists() else []
    return done.returncode, summary.read_text() if summary.exists() else done.stdout, ran


def test_the_image_scan_gates_the_deploy_between_the_push_and_pulumi_up() -> None:
    job = reusable_deploy_job()
    names = [s.get("name") for s in job.steps]
    push = next(i for i, s in enumerate(job.steps) if s.get("id") == "push")
    assert push < names.index(SCAN_STEP) < _step_index(job, "pulumi up")
    step = job.steps[names.index(SCAN_STEP)]
    assert step["env"]["REPOSITORY_NAME"] == "${{ steps.push.outputs.repository-name }}"
    assert step["env"]["DIGEST"] == "${{ steps.push.outputs.digest }}"
    # The input, else the repository variable, else HIGH for production and CRITICAL elsewhere.
    assert step["env"]["FAIL_ON"] == (
        "${{ inputs.image-scan-fail-on || vars.IMAGE_SCAN_FAIL_ON || "
        "(inputs.stack == 'production' && 'HIGH' || 'CRITICAL') }}"
    )
    assert triggers(workflow("deploy.yml"))["workflow_call"]["inputs"]["image-scan-fail-on"]["required"] is False


def test_findings_at_or_above_the_threshold_stop_the_deploy(tmp_path: Path) -> None:
    status, summary, ran = scan_gate('{"HIGH": 2, "MEDIUM": 5, "LOW": 1}', "HIGH", tmp_path)
    assert status == 1 and "**Stopped:** 2 findings at HIGH or above." in summary
    assert "| HIGH | 2 |" in summary and "| MEDIUM | 5 |" in summary and "| CRITICAL | 0 |" in summary
    image = "--repository-name socialclub/backend --image-id imageDigest=sha256:" + "a" * 64
    assert ran[0] == f"ecr wait image-scan-complete {image}"
    assert ran[1].startswith(f"ecr describe-image-scan-findings {image}")


def test_findings_below_the_threshold_pass_and_are_still_shown(tmp_path: Path) -> None:
    status, summary, _ = scan_gate('{"HIGH": 2, "MEDIUM": 5}', "CRITICAL", tmp_path)
    assert status == 0 and "No finding at CRITICAL or above." in summary and "| HIGH | 2 |" in summary


def test_an_image_without_findings_passes(tmp_path: Path) -> None:
    # ECR leaves findingSeverityCounts out when there is nothing to count.
    status, summary, _ = scan_gate("null", "LOW", tmp_path)
    assert status == 0 and "| CRITICAL | 0 |" in summary


def test_an_unreadable_answer_stops_the_deploy(tmp_path: Path) -> None:
    status, _, _ = scan_gate('{"HIGH": "many"}', "CRITICAL", tmp_path)
    assert status == 1


def test_an_unknown_threshold_stops_before_asking_ecr(tmp_path: Path) -> None:
    status, output, ran = scan_gate("{}", "SEVERE", tmp_path)
    assert status == 1 and "image-scan-fail-on is 'SEVERE'" in output and ran == []


def test_the_locked_dependencies_are_audited_in_pull_requests_and_before_a_deploy() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\naudit: $(SYNCED)\n")[1].split("\n\n")[0].replace("\\\n", " ")
    assert "$(UV) export --frozen --all-groups" in recipe
    # --strict: a package that could not be checked (index unreachable) fails instead of passing silently.
    for flag in ("--strict", "--require-hashes", "--disable-pip", "--format $(AUDIT_FORMAT)"):
        assert flag in recipe, flag
    audited = {
        (job.file, job.id)
        for job in jobs()
        for script in job.scripts()
        if 'make -s audit AUDIT_FORMAT=markdown | tee -a "$GITHUB_STEP_SUMMARY"' in script
        and script.startswith("set -o pipefail\n")
    }
    assert audited == {("pull-request.yml", "audit"), ("deploy.yml", "checks")}
    # It needs the network: not part of the offline CI entry point.
    assert "audit" not in (ROOT / ".ci/run").read_text()
