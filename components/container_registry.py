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


def lifecycle_policy(
    *,
    untagged_expiry_days: int,
    moving_tags: Sequence[str],
    release_tag_pattern: str,
    keep_releases: int,
    build_tag_prefix: str,
    keep_builds: int,
) -> str:
    """Expire untagged images after some days, and all but the newest releases and CI builds; never an image a
    moving tag points at (what a stack runs).

    ECR's evaluation rules (ECR user guide, "Lifecycle policies"): an image matched by a rule cannot be expired
    by a lower-priority one, and a rule's tag list selects images carrying all of its tags. So one
    keep-everything rule per moving tag comes first: the deployed image (tagged `build-...` and `production`)
    is matched there and never reaches the build rule that expires old builds.
    """
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
        for tag in moving_tags
    ]
    rules: list[dict[str, object]] = [
        {
            "description": f"Expire untagged images {untagged_expiry_days} days after push",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_expiry_days,
            },
        },
        *keep_moving,
        {
            "description": f"Keep the newest {keep_releases} release images ({release_tag_pattern})",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": [release_tag_pattern],
                "countType": "imageCountMoreThan",
                "countNumber": keep_releases,
            },
        },
        {
            "description": f"Keep the newest {keep_builds} CI builds ({build_tag_prefix}*)",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": [build_tag_prefix],
                "countType": "imageCountMoreThan",
                "countNumber": keep_builds,
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
    name: str
    """Repository name, e.g. `socialclub/backend` (the seed's)."""
    kms_key_arn: pulumi.Input[str]
    """Encrypts the image layers (ECR creates its own grant on the key; pullers need no KMS permission)."""
    moving_tags: Sequence[str] = ("latest",)
    """Tags that may be re-pointed (seed: latest, staging, production); all others are immutable."""
    release_tag_pattern: str = "v*"
    """Wildcard of release tags; the lifecycle policy keeps the newest `keep_releases` of them."""
    keep_releases: int = 30
    """Release images kept (default 30)."""
    build_tag_prefix: str = "build-"
    """Prefix of the immutable tag CI gives each image it pushes (`build-<commit>-<run>-<attempt>`)."""
    keep_builds: int = 50
    """CI builds kept (default 50), beyond those a moving tag points at."""
    untagged_expiry_days: int = 14
    """Days after which an untagged image expires (default 14)."""
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
                moving_tags=args.moving_tags,
                release_tag_pattern=args.release_tag_pattern,
                keep_releases=args.keep_releases,
                build_tag_prefix=args.build_tag_prefix,
                keep_builds=args.keep_builds,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ref = RepositoryRef(name=self.repository.name, arn=self.repository.arn, url=self.repository.repository_url)
        self.register_outputs({"name": self.ref.name, "arn": self.ref.arn, "url": self.ref.url})
