"""The plan diff's workflows read as data: the pull-request comment, the pre-deploy snapshots, drift detection."""

from __future__ import annotations

from typing import Any

from tests.delivery.test_workflows import CONFIGURE_AWS, Job, jobs, triggers, workflow


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
