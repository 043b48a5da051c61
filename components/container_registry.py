"""ContainerRegistry: the ECR repository the backend image lives in, and the lookup used by stacks that share it.

Tag policy: every tag is immutable except the few tags CI deliberately moves (the seed's latest, staging,
production): `IMMUTABLE_WITH_EXCLUSION`. A release tag (v1.0.0) or a build tag therefore names one image forever,
as good as a digest, while `docker push :staging` still works. Deployments pin the digest where they can.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class ImageRef:
    """An image in a repository, by tag, by digest, or both (`v1.2.0@sha256:...`)."""

    tag: str | None
    digest: str | None

    def uri(self, repository_url: str) -> str:
        """With a digest, ECS runs exactly that image whatever its tags do later; a tag alone is resolved to a
        digest by ECS at each deployment."""
        return f"{repository_url}@{self.digest}" if self.digest else f"{repository_url}:{self.tag}"

    @property
    def release(self) -> str:
        """The name error tracking groups events under: the tag when there is one, else the digest."""
        return self.tag or str(self.digest)


def parse_image(text: str) -> ImageRef:
    """`<tag>`, `sha256:<64 hex>` or `<tag>@sha256:<64 hex>`; raises ValueError saying what is wrong."""
    if "@" in text:
        tag, _, digest = text.partition("@")
    elif text.startswith("sha256:"):
        tag, digest = "", text
    else:
        tag, digest = text, ""
    if ("@" in text or digest) and not DIGEST.match(digest):
        raise ValueError(f"digest {digest!r} is not sha256: followed by 64 lowercase hex digits")
    if ("@" in text or not digest) and not TAG.match(tag):
        raise ValueError(f"tag {tag!r} is not an image tag (letters, digits, . _ -; at most 128)")
    return ImageRef(tag=tag or None, digest=digest or None)


@dataclass(frozen=True)
class RepositoryRef:
    """What a service needs from a repository, whether this stack owns it or looks it up."""

    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    url: pulumi.Output[str]


def lifecycle_policy(*, untagged_expiry_days: int, release_tag_pattern: str, keep_releases: int) -> str:
    """Expire untagged images after some days; keep only the newest releases.

    Moving tags and other immutable tags are never expired by count: the image a stack runs keeps its tag.
    """
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Expire untagged images {untagged_expiry_days} days after push",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": untagged_expiry_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"Keep the newest {keep_releases} release images ({release_tag_pattern})",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": [release_tag_pattern],
                        "countType": "imageCountMoreThan",
                        "countNumber": keep_releases,
                    },
                    "action": {"type": "expire"},
                },
            ]
        },
        sort_keys=True,
    )


@dataclass(frozen=True)
class ContainerRegistryArgs:
    name: str
    """Repository name, e.g. `socialclub/backend` (the seed's)."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts the image layers (ECR creates its own grant on the key; pullers need no KMS permission)."""
    moving_tags: Sequence[str] = ("latest",)
    """Tags that may be re-pointed (seed: latest, staging, production); all others are immutable."""
    release_tag_pattern: str = "v*"
    """Wildcard of release tags; the lifecycle policy keeps the newest `keep_releases` of them."""
    keep_releases: int = 30
    untagged_expiry_days: int = 14
    scan_on_push: bool = True
    """Basic scanning of every pushed image (CVE findings in the console and EventBridge)."""
    protect: bool = True
    """Pulumi `protect` (production): deleting the repository deletes every image a rollback needs."""


class ContainerRegistry(pulumi.ComponentResource):
    """One ECR repository, KMS-encrypted, scanned on push, with immutable tags and a lifecycle policy."""

    repository: aws.ecr.Repository
    ref: RepositoryRef

    def __init__(self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:containers:ContainerRegistry", name, None, opts)
        if not args.moving_tags:
            raise ValueError(f"ContainerRegistry {name}: name at least one moving tag, or drop the exclusion mode")
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.name,
            image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            image_tag_mutability_exclusion_filters=[
                aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs(filter=tag, filter_type="WILDCARD")
                for tag in args.moving_tags
            ],
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=args.scan_on_push
            ),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.kms_key_arn)
            ],
            force_delete=False,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy(
                untagged_expiry_days=args.untagged_expiry_days,
                release_tag_pattern=args.release_tag_pattern,
                keep_releases=args.keep_releases,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ref = RepositoryRef(name=self.repository.name, arn=self.repository.arn, url=self.repository.repository_url)
        self.register_outputs({"name": self.ref.name, "arn": self.ref.arn, "url": self.ref.url})


def lookup_repository(name: str, opts: pulumi.InvokeOutputOptions | None = None) -> RepositoryRef:
    """The repository another stack of this account owns (fails the preview if it does not exist yet)."""
    found = aws.ecr.get_repository_output(name=name, opts=opts)
    return RepositoryRef(name=found.name, arn=found.arn, url=found.repository_url)
