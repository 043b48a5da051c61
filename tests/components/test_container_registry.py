"""ContainerRegistry: the owned repository under mocks and its lifecycle policy."""

from __future__ import annotations

import json

from components.container_registry import lifecycle_policy
from stackconfig.service import RegistrySettings
from tests.support import inputs, run_component
from tests.support.backend_build import (
    KEY_ARN,
    REPOSITORY,
    build,
    policy_statements,
)


def test_owned_repository_is_immutable_but_for_moving_tags_scanned_and_kms_encrypted() -> None:
    plan = run_component(build(registry=True))
    repo = inputs(plan.one(REPOSITORY))
    assert repo["name"] == "socialclub/backend"
    assert repo["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repo["imageTagMutabilityExclusionFilters"] == [
        {"filter": tag, "filterType": "WILDCARD"} for tag in ("latest", "staging", "production")
    ]
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": KEY_ARN}]
    assert repo["forceDelete"] is False
    lifecycle = json.loads(inputs(plan.one("aws:ecr/lifecyclePolicy:LifecyclePolicy"))["policy"])
    selections = [r["selection"] for r in lifecycle["rules"]]
    assert selections[0] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 14,
    }
    assert selections[1:4] == [
        {"tagStatus": "tagged", "tagPatternList": [tag], "countType": "imageCountMoreThan", "countNumber": 1}
        for tag in ("latest", "staging", "production")
    ]
    assert selections[4:] == [
        {"tagStatus": "tagged", "tagPatternList": ["v*"], "countType": "imageCountMoreThan", "countNumber": 30},
        {"tagStatus": "tagged", "tagPrefixList": ["build-"], "countType": "imageCountMoreThan", "countNumber": 50},
    ]
    # The service pulls from the repository this program owns.
    statements = {s["Sid"]: s for s in policy_statements(plan, "backend-execution")}
    assert statements["PullFromOwnRepository"]["Resource"] == [plan.one(REPOSITORY).outputs["arn"]]


def test_lifecycle_policy_keeps_what_runs_and_expires_old_releases_and_builds() -> None:
    rules = json.loads(
        lifecycle_policy(
            RegistrySettings(
                untagged_expiry_days=7,
                moving_tags=["staging", "production"],
                release_tag_pattern="release-*",
                keep_releases=5,
                build_tag_prefix="build-",
                keep_builds=40,
            )
        )
    )["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2, 3, 4, 5]
    assert rules[0]["selection"]["tagStatus"] == "untagged"
    assert rules[0]["selection"]["countNumber"] == 7
    # Each moving tag on its own rule (a tag list selects images with ALL its tags), matched before the build
    # rule, so the image a stack runs is never the oldest build that gets expired.
    assert [r["selection"]["tagPatternList"] for r in rules[1:3]] == [["staging"], ["production"]]
    assert all(r["selection"]["countNumber"] == 1 for r in rules[1:3])
    assert (rules[3]["selection"]["tagPatternList"], rules[3]["selection"]["countNumber"]) == (["release-*"], 5)
    assert (rules[4]["selection"]["tagPrefixList"], rules[4]["selection"]["countNumber"]) == (["build-"], 40)
    assert all(r["action"] == {"type": "expire"} for r in rules)
