"""The plan diff's workflows read as data: the pull-request comment, the pre-deploy snapshots, drift detection."""

from __future__ import annotations

from typing import Any

from tests.support.workflows import CONFIGURE_AWS, Job, jobs, triggers, workflow


def drift_job() -> Job:
    (job,) = (j for j in jobs() if j.file == "drift.yml")
    return job


def script_of(job: Job, fragment: str) -> dict[str, Any]:
    (step,) = (s for s in job.steps if fragment in str(s.get("run", "")))
    return step


def test_drift_runs_daily_and_on_demand_for_both_stacks() -> None:
    document = workflow("drift.yml")
    assert set(triggers(document)) == {"schedule", "workflow_dispatch"}
    assert triggers(document)["schedule"][0]["cron"]
    matrix = drift_job().body["strategy"]["matrix"]["stack"]
    # Both stacks unless the repository narrows them (DRIFT_STACKS), e.g. while the role reads staging only.
    assert matrix == '${{ fromJSON(vars.DRIFT_STACKS || \'["staging", "production"]\') }}'
    assert document["concurrency"]["cancel-in-progress"] is False


def test_drift_uses_the_view_only_role_outside_the_production_environment() -> None:
    job = drift_job()
    (login,) = job.steps_using(CONFIGURE_AWS)
    assert login["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert job.body["environment"] == "drift"
    assert job.permissions == {"contents": "read", "id-token": "write"}
    scripts = "\n".join(job.scripts())
    assert "pulumi up" not in scripts and "pulumi preview" not in scripts


def test_drift_is_a_refresh_preview_that_fails_on_any_change() -> None:
    job = drift_job()
    step = script_of(job, "pulumi refresh")
    command = next(line for line in step["run"].replace("\\\n", " ").splitlines() if "pulumi refresh" in line)
    for flag in ('--stack "$STACK"', "--preview-only", "--expect-no-changes", "--non-interactive"):
        assert flag in command, flag
    assert "no changes were expected but changes occurred" in step["run"]
    failing = job.steps[-1]
    assert "exit 1" in failing["run"] and "outcome != 'clean'" in failing["if"]


def test_drift_is_reported_to_the_alert_channel_and_the_job_summary() -> None:
    job = drift_job()
    slack = script_of(job, "SLACK_WEBHOOK_URL")
    assert slack["env"]["SLACK_WEBHOOK_URL"] == "${{ secrets.SLACK_WEBHOOK_URL }}"
    assert "outcome != 'clean'" in slack["if"]
    summary = next(s for s in job.steps if str(s.get("uses", "")).endswith("/step-summary"))
    assert summary["if"] == "${{ !cancelled() }}"


def pull_request_jobs() -> dict[str, Job]:
    return {j.id: j for j in jobs() if j.file == "pull-request.yml"}


def test_pull_requests_diff_both_stacks_against_their_base_with_a_read_only_token() -> None:
    diff = pull_request_jobs()["diff"]
    assert diff.permissions == {"contents": "read"}
    (checkout,) = (s for s in diff.steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the base commit must be in the clone
    step = script_of(diff, "make diff")
    assert step["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert "for stack in staging production; do" in step["run"]
    assert 'make diff STACK="$stack" BASE="$BASE_SHA" MARKDOWN=' in step["run"]
    assert 'cat plan-diff.md >> "$GITHUB_STEP_SUMMARY"' in step["run"]  # forks see it here
    assert step["run"].startswith("set -uo pipefail") and "<!-- socialclub-plan-diff -->" in step["run"]


def test_a_stateful_production_replacement_fails_the_check_unless_labelled() -> None:
    diff = pull_request_jobs()["diff"]
    assert "4) cat" in script_of(diff, "make diff")["run"]  # exit 4 is a result, not a failure of the job
    gate = next(s for s in diff.steps if "allow-stateful-replacement" in str(s.get("if", "")))
    assert "steps.diff.outputs.data-loss == 'true'" in gate["if"]
    assert "!contains(github.event.pull_request.labels.*.name, 'allow-stateful-replacement')" in gate["if"]
    assert "exit 1" in gate["run"]
    types = triggers(workflow("pull-request.yml"))["pull_request"]["types"]
    assert {"labeled", "unlabeled", "synchronize"} <= set(types)


def test_one_comment_per_pull_request_posted_by_a_job_that_runs_no_pull_request_code() -> None:
    comment = pull_request_jobs()["diff-comment"]
    assert comment.permissions == {"pull-requests": "write"}
    assert comment.body["needs"] == ["diff"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment.body["if"]
    uses = [str(s.get("uses", "")).split("@")[0] for s in comment.steps]
    assert "actions/checkout" not in uses and "actions/download-artifact" in uses
    step = script_of(comment, "gh api")
    assert "<!-- socialclub-plan-diff -->" in step["run"]
    assert "--method PATCH" in step["run"] and "--method POST" in step["run"]
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"


def deploy_job() -> Job:
    (job,) = (j for j in jobs() if j.file == "deploy.yml" and j.id == "deploy")
    return job


def test_the_deploy_snapshots_the_database_and_cache_before_pulumi_up() -> None:
    job = deploy_job()
    runs = [str(s.get("run", "")) for s in job.steps]
    snapshot = next(i for i, run in enumerate(runs) if "create-db-snapshot" in run)
    up = next(i for i, run in enumerate(runs) if "pulumi up" in run)
    oidc = next(i for i, s in enumerate(job.steps) if str(s.get("uses", "")).startswith(CONFIGURE_AWS))
    assert oidc < snapshot < up
    script = runs[snapshot].replace("\\\n", " ")
    for command in (
        'aws rds create-db-snapshot --db-instance-identifier "$db" --db-snapshot-identifier "$db-$short"',
        'aws rds wait db-snapshot-available --db-snapshot-identifier "$db-$short"',
        'aws elasticache create-snapshot --replication-group-id "$group" --snapshot-name "$group-$short"',
        'make diff STACK="$STACK" BASE="$deployed" JSON=deploy-diff.json',
    ):
        assert command in script, command
    assert 'short="${GITHUB_SHA:0:7}"' in script  # snapshots named after the commit
    assert 'tee -a "$GITHUB_STEP_SUMMARY"' in script
    # The diff needs the deployed commit in the clone.
    (checkout,) = (s for s in job.steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0


def test_the_snapshot_step_reads_identifiers_the_program_sets(
    real_diff: tuple[str, dict[str, Any], dict[str, Any]],
) -> None:
    """The step reads `identifier` and `replicationGroupId` from the state's outputs: inputs the program sets."""
    script = script_of(deploy_job(), "create-db-snapshot")["run"]
    inputs = {r["type"]: r["inputs"] for r in real_diff[2]["resources"]}
    for type_token, field in (
        ("aws:rds/instance:Instance", "identifier"),
        ("aws:elasticache/replicationGroup:ReplicationGroup", "replicationGroupId"),
    ):
        assert f"identifier {type_token} {field}" in script
        assert inputs[type_token][field]
