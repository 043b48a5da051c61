"""ContainerRegistry: the ECR repository the backend image lives in, and the lookup used by stacks that share it.

Tag policy (docs/requirements.md §3.2): every tag is immutable except the few tags CI deliberately moves (latest,
staging, production): `IMMUTABLE_WITH_EXCLUSION`. A release tag (v1.0.0) or a build tag therefore names one
image forever, as good as a digest, while `docker push :staging` still works. Deployments pin the digest where
they can.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from stackconfig.service import RegistrySettings


@dataclass(frozen=True)
class RepositoryRef:
    """What a service needs from a repository, whether this stack owns it or looks it up."""

    name: pulumi.Output[str]
    """The repository's name, e.g. `socialclub/backend`."""
    arn: pulumi.Output[str]
    """Its ARN, what pull and push permissions name."""
    url: pulumi.Output[str]
    """`<account>.dkr.ecr.<region>.amazonaws.com/<name>`, what images are named after."""


def lifecycle_policy(settings: RegistrySettings) -> str:
    """Expire untagged images after some days, and all but the newest releases and CI builds; never an image a
    moving tag points at (what a stack runs).

    ECR's evaluation rules (ECR user guide, "Lifecycle policies"): an image matched by a rule cannot be expired
    by a lower-priority one, and a rule's tag list selects images carrying all of its tags. So one
    keep-everything rule per moving tag comes first: the deployed image (tagged `build-...` and `production`)
    is matched there and never reaches the build rule that expires old builds.
    """
    s = settings
    keep_moving: list[dict[str, object]] = [
        {
            # One image carries a moving tag at a time: "more than 1" never expires it, but matches it.
            "description": f"Keep the image tagged {tag}",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": [tag],
                "countType": "imageCountMoreThan",
                "countNumber": 1,
            },
        }
        for tag in s.moving_tags
    ]
    rules: list[dict[str, object]] = [
        {
            "description": f"Expire untagged images {s.untagged_expiry_days} days after push",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": s.untagged_expiry_days,
            },
        },
        *keep_moving,
        {
            "description": f"Keep the newest {s.keep_releases} release images ({s.release_tag_pattern})",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": [s.release_tag_pattern],
                "countType": "imageCountMoreThan",
                "countNumber": s.keep_releases,
            },
        },
        {
            "description": f"Keep the newest {s.keep_builds} CI builds ({s.build_tag_prefix}*)",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": [s.build_tag_prefix],
                "countType": "imageCountMoreThan",
                "countNumber": s.keep_builds,
            },
        },
    ]
    return json.dumps(
        {"rules": [{"rulePriority": i, **rule, "action": {"type": "expire"}} for i, rule in enumerate(rules, 1)]},
        sort_keys=True,
    )


def repository_ref(account_id: pulumi.Input[str], region: str, partition: str, name: str) -> RepositoryRef:
    """The repository another stack of this account owns, named rather than looked up: the data source needs
    ecr:DescribeRepositories and ecr:DescribeImages, which the pull-request preview role lacks. A missing
    repository then shows at the deploy's `docker push`, the step before `pulumi up`."""
    account = pulumi.Output.from_input(account_id)
    return RepositoryRef(
        name=pulumi.Output.from_input(name),
        arn=account.apply(lambda a: f"arn:{partition}:ecr:{region}:{a}:repository/{name}"),
        url=account.apply(lambda a: f"{a}.dkr.ecr.{region}.amazonaws.com/{name}"),
    )


@dataclass(frozen=True)
class ContainerRegistryArgs:
    kms_key_arn: pulumi.Input[str]
    """Encrypts the image layers (ECR creates its own grant on the key; pullers need no KMS permission)."""
    settings: RegistrySettings = field(default_factory=RegistrySettings)
    """Name, moving tags, what the lifecycle policy keeps, scanning and `protect` (stackconfig/service.py)."""


class ContainerRegistry(pulumi.ComponentResource):
    """One ECR repository, KMS-encrypted, scanned on push, with immutable tags and a lifecycle policy."""

    repository: aws.ecr.Repository
    ref: RepositoryRef

    def __init__(self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:containers:ContainerRegistry", name, None, opts)
        settings = args.settings
        if not settings.moving_tags:
            raise ValueError(f"ContainerRegistry {name}: name at least one moving tag, or drop the exclusion mode")
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=settings.name,
            image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            image_tag_mutability_exclusion_filters=[
                aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs(filter=tag, filter_type="WILDCARD")
                for tag in settings.moving_tags
            ],
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=settings.scan_on_push
            ),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.kms_key_arn)
            ],
            force_delete=False,
            opts=pulumi.ResourceOptions(parent=self, protect=settings.protect),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy(settings),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ref = RepositoryRef(name=self.repository.name, arn=self.repository.arn, url=self.repository.repository_url)
        self.register_outputs({"name": self.ref.name, "arn": self.ref.arn, "url": self.ref.url})
