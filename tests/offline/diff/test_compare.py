"""The plan diff on synthetic pairs of plan documents: what each kind of change becomes, the report, the CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from offline.diff.__main__ import EXIT_DATA_LOSS, EXIT_ERROR, main
from offline.diff.compare import CREATE, DELETE, KNOWN_AFTER_APPLY, REPLACE, UPDATE, DiffError, compare
from offline.diff.render import Sides, markdown, text
from offline.diff.replacements import forced_by
from tests.offline.diff import pair

HERE = Path(__file__).resolve().parent
EXPECTED_MARKDOWN = HERE / "expected.md"


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in document["resources"]}


def changed(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    return {r.name: r for r in compare(base, head).resources}


def test_an_instance_class_change_is_an_update_in_place() -> None:
    head = pair.base()
    by_name(head)["db-instance"]["inputs"]["instanceClass"] = "db.r6g.xlarge"
    (db,) = changed(pair.base(), head).values()
    assert (db.action, db.replace_reasons, db.loses_data) == (UPDATE, [], False)
    assert [(c.path, c.old, c.new) for c in db.changes] == [("instanceClass", "db.r6g.large", "db.r6g.xlarge")]


@pytest.mark.parametrize(
    ("name", "prop", "value"),
    [
        ("db-instance", "kmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/other"),
        ("db-instance", "storageEncrypted", False),
        ("cache-group", "replicationGroupId", "socialclub-production-2"),
    ],
)
def test_a_force_new_change_replaces_with_its_reason(name: str, prop: str, value: Any) -> None:
    head = pair.base()
    by_name(head)[name]["inputs"][prop] = value
    found = changed(pair.base(), head)[name]
    assert (found.action, found.replace_reasons) == (REPLACE, [prop])
    assert found.loses_data and found.refused  # stateful and protected: data loss, and `pulumi up` refuses
    assert found.changes[0].forces_replacement == prop


def test_a_region_change_replaces_a_regional_resource_but_is_not_an_input_of_a_global_one() -> None:
    head = pair.base()
    by_name(head)["alerts-old"]["inputs"]["region"] = "eu-west-1"
    assert changed(pair.base(), head)["alerts-old"].replace_reasons == ["region"]
    assert forced_by("aws:iam/role:Role", "region") is None


def test_an_rds_identifier_change_renames_in_place_as_the_provider_schema_says() -> None:
    head = pair.base()
    by_name(head)["db-instance"]["inputs"]["identifier"] = "socialclub-production-db"
    assert changed(pair.base(), head)["db-instance"].action == UPDATE


def test_a_replaced_key_replaces_what_depends_on_it_through_a_force_new_input() -> None:
    head = pair.base()
    by_name(head)["kms-key"]["inputs"]["customerMasterKeySpec"] = "RSA_2048"
    found = changed(pair.base(), head)
    assert found["kms-key"].action == REPLACE
    for dependent in ("db-instance", "cache-group"):
        assert found[dependent].action == REPLACE
        assert found[dependent].replace_reasons == ["kmsKeyId (from kms-key, which is replaced)"]
        assert found[dependent].changes[0].new == KNOWN_AFTER_APPLY


def test_an_added_alarm_is_created_and_a_removed_topic_deleted() -> None:
    found = changed(pair.base(), pair.head())
    assert found["alarm-db-cpu"].action == CREATE
    assert found["alerts-old"].action == DELETE and not found["alerts-old"].loses_data


def test_an_edited_policy_document_shows_the_statement_that_changed() -> None:
    changes = changed(pair.base(), pair.head())["backend-task-secrets"].changes
    # Only the ReadSecrets statement, and only the resource that left and the one that came; not two JSON strings.
    assert [(c.path, c.old, c.new) for c in changes] == [
        ("policy<json>.Statement[Sid=ReadSecrets].Resource[-]", "arn:aws:secretsmanager:*", None),
        (
            "policy<json>.Statement[Sid=ReadSecrets].Resource[+]",
            None,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:socialclub/production/*",
        ),
    ]


def test_an_edited_statement_without_sids_is_matched_by_position() -> None:
    base, head = pair.base(), pair.base()
    document = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}, {"Effect": "Deny", "Action": "*"}]}
    by_name(base)["backend-task-secrets"]["inputs"]["policy"] = json.dumps(document)
    document["Statement"][1]["Action"] = "s3:*"
    by_name(head)["backend-task-secrets"]["inputs"]["policy"] = json.dumps(document)
    (change,) = changed(base, head)["backend-task-secrets"].changes
    assert (change.path, change.old, change.new) == ("policy<json>.Statement[1].Action", "*", "s3:*")


def test_secrets_stay_redacted_and_unchanged_secrets_do_not_show() -> None:
    head = pair.base()
    by_name(head)["db-instance"]["inputs"]["password"] = "[secret]"
    by_name(head)["cache-group"]["inputs"]["authToken"] = "[secret]"
    found = changed(pair.base(), head)
    assert "db-instance" not in found
    assert [(c.path, c.old, c.new) for c in found["cache-group"].changes] == [("authToken", None, "[secret]")]


def test_the_cost_delta_is_exact_per_line_and_in_total() -> None:
    diff = compare(pair.base(), pair.head())
    assert diff.cost_total == {
        "old": {"min": 700.1, "max": 900.2},
        "new": {"min": 1028.7, "max": 1228.9},
        "delta": {"min": 328.6, "max": 328.7},
    }
    assert diff.cost_lines is not None
    lines = {(line.service, line.urn.rsplit("::", 1)[-1]): line for line in diff.cost_lines}
    # The instance line's description changes with its class: lines are matched by resource and service.
    db = lines[("RDS PostgreSQL", "db-instance")]
    assert (db.delta_min, db.delta_max) == (327.04, 327.04)
    assert (lines[("CloudWatch", "alarm-db-cpu")].delta_min, len(lines)) == (0.1, 2)


def test_preflight_warnings_added_and_resolved() -> None:
    diff = compare(pair.base(), pair.head())
    assert (diff.preflight_added, [p.check for p in diff.preflight_resolved or []]) == ([], ["image"])


def test_a_changed_resource_option_is_a_change() -> None:
    head = pair.base()
    by_name(head)["db-instance"]["customTimeouts"] = {"update": "120m"}
    (change,) = changed(pair.base(), head)["db-instance"].changes
    assert (change.path, change.old, change.new) == ("(customTimeouts)", None, {"update": "120m"})


def test_unprotecting_is_a_change_and_the_protect_recorded_at_base_still_refuses_the_replacement() -> None:
    """Pulumi checks the protect flag in the state (BASE's): a replacement is refused in the same `up` that
    unprotects; the flag has to be turned off in an `up` of its own first."""
    head = pair.base()
    db = by_name(head)["db-instance"]
    db["protect"] = False
    db["inputs"]["kmsKeyId"] = "arn:aws:kms:us-east-1:123456789012:key/other"
    found = changed(pair.base(), head)["db-instance"]
    assert ("(protect)", True, False) in [(c.path, c.old, c.new) for c in found.changes]
    assert (found.action, found.refused) == (REPLACE, True)


def test_whole_numbers_show_without_a_decimal_point() -> None:
    """The plan document carries numbers as floats (100.0); the report shows 100 -> 200."""
    head = pair.base()
    by_name(head)["db-instance"]["inputs"]["allocatedStorage"] = 200.0
    (change,) = changed(pair.base(), head)["db-instance"].changes
    assert json.dumps([change.path, change.old, change.new]) == '["allocatedStorage", 100, 200]'


def test_an_input_fed_by_a_new_resource_is_known_after_apply() -> None:
    """A created resource's id is unknown during preview, like a replaced one's: the input that takes it changes,
    and a ForceNew input replaces its resource."""
    head = pair.base()
    new_key = pair.urn("socialclub:security:KmsKey", "aws:kms/key:Key", "kms-key-2")
    head["resources"].append(pair.resource(new_key, {"description": "second key"}))
    cache = by_name(head)["cache-group"]
    cache["propertyDependencies"], cache["dependencies"] = {"kmsKeyId": [new_key]}, [new_key]
    found = changed(pair.base(), head)
    assert found["kms-key-2"].action == CREATE
    assert found["cache-group"].action == REPLACE
    assert [(c.path, c.new) for c in found["cache-group"].changes] == [("kmsKeyId", KNOWN_AFTER_APPLY)]


def test_component_resources_are_not_compared() -> None:
    """Only custom resources exist in AWS; a component (custom false) has no inputs of its own to change."""
    head = pair.base()
    component = pair.resource(pair.urn("socialclub:data:PostgresDb", "socialclub:data:Thing", "db"), {"a": 1})
    head["resources"].append({**component, "custom": False})
    assert changed(pair.base(), head) == {}


def test_policy_violations_added_and_resolved() -> None:
    diff = compare(pair.base(), pair.head())
    assert [(v.policy, v.urn) for v in diff.policy_added or []] == [("alarm-actions", pair.ALARM)]
    assert [(v.policy, v.level) for v in diff.policy_resolved or []] == [("sns-encrypted", "mandatory")]


def test_an_early_document_without_policy_cost_or_preflight_is_reported_not_guessed() -> None:
    base = pair.base()
    del base["policy"], base["cost"], base["preflight"]
    diff = compare(base, pair.head())
    assert (diff.policy_added, diff.cost_lines, diff.preflight_added) == (None, None, None)
    assert diff.missing == ["policy at BASE", "cost at BASE", "preflight at BASE"]
    assert "_not compared: policy at BASE" in markdown(diff, Sides("a", "b"))


def test_documents_of_two_stacks_or_not_plans_are_refused() -> None:
    head = pair.head()
    head["stack"] = "staging"
    with pytest.raises(DiffError, match="different stacks"):
        compare(pair.base(), head)
    with pytest.raises(DiffError, match="not a plan document"):
        compare({"stack": "production"}, pair.head())


def test_the_markdown_for_the_fixed_pair_is_the_committed_one() -> None:
    rendered = markdown(compare(pair.base(), pair.head()), Sides("`base.json`", "`head.json`"))
    assert rendered == EXPECTED_MARKDOWN.read_text(), (
        "regenerate with: .venv/bin/python -c "
        "'from tests.offline.diff.test_compare import write_expected; write_expected()'"
    )


def write_expected() -> None:
    EXPECTED_MARKDOWN.write_text(markdown(compare(pair.base(), pair.head()), Sides("`base.json`", "`head.json`")))


def test_the_terminal_report_is_coloured_only_when_asked() -> None:
    diff = compare(pair.base(), pair.head())
    plain, coloured = text(diff, Sides("a", "b")), text(diff, Sides("a", "b"), colour=True)
    assert "\033[" not in plain and "\033[" in coloured
    assert "+- cache-group  aws:elasticache/replicationGroup:ReplicationGroup [stateful] [protected]" in plain
    assert "DATA LOSS: cache-group" in plain and "REFUSED: cache-group is protected" in plain


def save(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_the_cli_writes_the_json_document_and_exits_4_on_production_data_loss(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, head = save(tmp_path, "base.json", pair.base()), save(tmp_path, "head.json", pair.head())
    out = tmp_path / "diff.json"
    assert main(["--base-plan", str(base), "--head-plan", str(head), "--json", str(out)]) == EXIT_DATA_LOSS
    document = json.loads(out.read_text())
    assert document["summary"] == {"create": 1, "update": 2, "replace": 1, "delete": 1}
    assert document["dataLoss"] == [pair.CACHE] == document["refusedByProtect"]
    assert document["base"] is None
    assert "1 stateful resources would be replaced or deleted (exit 4)" in capsys.readouterr().err


def test_the_cli_exits_0_without_data_loss_and_2_on_bad_input(tmp_path: Path) -> None:
    head = copy.deepcopy(pair.base())
    by_name(head)["db-instance"]["inputs"]["instanceClass"] = "db.r6g.xlarge"
    base_path, head_path = save(tmp_path, "base.json", pair.base()), save(tmp_path, "head.json", head)
    assert main(["--base-plan", str(base_path), "--head-plan", str(head_path), "--format", "markdown"]) == 0
    (tmp_path / "broken.json").write_text("{")
    assert main(["--base-plan", str(tmp_path / "broken.json"), "--head-plan", str(head_path)]) == EXIT_ERROR


def test_a_stack_the_working_tree_cannot_read_counts_as_production(tmp_path: Path) -> None:
    base, head = pair.base(), pair.head()
    base["stack"] = head["stack"] = "no-such-stack"
    arguments = ["--base-plan", str(save(tmp_path, "b.json", base)), "--head-plan", str(save(tmp_path, "h.json", head))]
    assert main(arguments) == EXIT_DATA_LOSS


def test_data_loss_in_a_stack_that_is_not_production_is_reported_but_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, head = pair.base(), pair.head()
    base["stack"] = head["stack"] = "staging"
    arguments = ["--base-plan", str(save(tmp_path, "b.json", base)), "--head-plan", str(save(tmp_path, "h.json", head))]
    assert main(arguments) == 0
    assert "DATA LOSS: cache-group" in capsys.readouterr().out
