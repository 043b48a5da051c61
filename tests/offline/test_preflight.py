"""`make plan`'s preflight: what the next real `pulumi up` would trip on, from the stack config alone."""

from __future__ import annotations

from typing import Any

from offline.preflight import Finding, missing_secrets, preflight
from stackconfig import StackConfig
from tests.support import stack_config


def changed(stack: str, **sections: dict[str, Any]) -> StackConfig:
    """The committed config of `stack` with fields of some sections replaced (validated again)."""
    config = stack_config(stack)
    data = config.model_dump(by_alias=True)
    for section, values in sections.items():
        data[section] = {**data[section], **values}
    return StackConfig.model_validate(data, by_alias=True)


def checks(findings: list[Finding]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in findings:
        out.setdefault(f.check, []).append(f.message)
    return out


def test_secrets_the_tasks_read_without_a_value_are_named() -> None:
    config = stack_config("production")
    # Expected from the catalog, not from the code under test: every third-party credential the API reads.
    operator = {s.key for s in config.secret_specs if s.source == "operator"}
    expected = sorted(operator & set(config.service.secret_environment.values()))
    assert "integration/stripe-key" in expected and "auth/jwt-secret" not in expected
    assert missing_secrets(config) == expected
    (message,) = checks(preflight(config, "production"))["secrets-without-value"]
    assert all(key in message for key in expected)


def test_a_secret_given_in_config_or_set_out_of_band_is_not_reported() -> None:
    config = changed(
        "production",
        secrets={"values": {"integration/stripe-key": "sk_live_x"}, "setOutOfBand": ["integration/sendgrid-key"]},
    )
    assert "integration/stripe-key" not in missing_secrets(config)
    assert "integration/sendgrid-key" not in missing_secrets(config)
    assert "integration/twilio-key" in missing_secrets(config)


def test_an_image_left_to_ci_says_how_to_pin_the_running_one_and_the_first() -> None:
    found = checks(preflight(stack_config("staging"), "staging", image_committed=False))
    (message,) = found["image-not-committed"]
    assert "pulumi stack output serviceImage --stack staging" in message and "first deploy" in message
    assert "image-must-exist" not in found


def test_a_named_image_must_exist_in_the_repository_before_the_update() -> None:
    digest = "sha256:" + "a" * 64
    for image, image_id in (("v1.2.0", "imageTag=v1.2.0"), (f"v1.2.0@{digest}", f"imageDigest={digest}")):
        found = checks(preflight(changed("production", service={"image": image}), "production"))
        assert "image-not-committed" not in found
        (message,) = found["image-must-exist"]
        assert f"--repository-name socialclub/backend --image-ids {image_id}" in message


def test_the_zone_delegation_is_a_precondition_and_louder_when_the_stack_creates_the_zone() -> None:
    (bootstrap,) = checks(preflight(stack_config("production"), "production"))["zone-delegated"]
    assert "the bootstrap's zone" in bootstrap and "dig +short NS socialclub.example.com" in bootstrap
    (own,) = checks(preflight(changed("production", dns={"createZone": True}), "production"))["zone-delegated"]
    assert "creates the zone in the same update" in own


def test_a_stack_using_the_bootstrap_s_repository_is_told_the_bootstrap_comes_first() -> None:
    assert "repository-from-bootstrap" in checks(preflight(stack_config("staging"), "staging"))
    own = changed("production", service={"repository": {"name": "socialclub/backend", "create": True}})
    assert "repository-from-bootstrap" not in checks(preflight(own, "production"))


def test_subjects_with_ids_use_the_immutable_claim_and_are_not_reported() -> None:
    infra = stack_config("production").deploy.infra_deploy.model_dump(by_alias=True)
    config = changed("production", deploy={"infraDeploy": {**infra, "ownerId": 1, "repositoryId": 2}})
    assert config.deploy.infra_deploy.claim == "repo:example-org@1/socialclub-infra@2:environment:production"
    messages = checks(preflight(config, "production"))["github-subject-form"]
    assert [m for m in messages if "infraDeploy" in m] == []
    assert [m for m in messages if "appDeploy" in m]
