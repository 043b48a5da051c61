"""The CI roles, their effective policies (read from the programs' plans), and what each must be allowed.

Roles:
- infra-deploy (one per stack, `components/github_deploy_roles.py`): `pulumi up` of its stack in CI, so every
  action of every resource type in the plan (create, read, update, delete) and of every invoke, the state
  backend (read, write, lock, history; `pkg/backend/diy/backend.go`: Update takes a lock and writes snapshots,
  history and a backup), and the deploy job's AWS CLI steps (ECR login/push/tag move, the service's steady
  state, S3 sync, invalidation).
- preview (bootstrap's `add_preview_role`): `pulumi preview` in pull requests. A preview without `--refresh`
  reads no managed resource (Check and Diff make no AWS call) and takes no lock (`diy/backend.go` Preview:
  DryRun, no Lock, no snapshot manager): it needs the provider's configure, every invoke, and state read.
- app-deploy (one per stack): an application release: push the image, register a task definition (passing the
  service's task and execution roles to ECS), roll the service, publish the frontend.

A deploy role never changes its own role or policies (its own policy denies it, so a CI run can never widen the
role it runs as): for the resources that make up the infra-deploy role itself only read is expected; an
administrator applies changes to them. These are reported as "not expected", never dropped silently.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.github_deploy_roles import state_paths
from offline import fakes
from offline.harness import PROJECT, Plan, Resource
from offline.permissions.catalog import condition_keys
from offline.permissions.evaluator import Policy, PolicyError, Request, parse_policy
from offline.permissions.managed import managed_policy
from offline.permissions.plans import Invoke, RecordedPlan
from offline.permissions.table import CALL, OPERATIONS, Entry, Table, TableError, render, render_optional
from offline.wire import unwrapped

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PROVIDER = "pulumi:providers:aws"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KMS_KEY = "aws:kms/key:Key"

BOUNDARY_KEY = "iam:permissionsboundary"
# Keys this module puts in a request's context when they apply: their absence is then known, not unknown.
ALWAYS_MODELLED = frozenset({"aws:securetransport", "iam:passedtoservice", "iam:policyarn", "kms:viaservice"})
# What Pulumi's S3 backend and `aws s3 sync/cp` send on PutObject: no SSE headers (pulumi/pulumi#9341).
S3_PUT_HEADERS = frozenset(
    {"s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-acl"}
)


@dataclass(frozen=True)
class Need:
    """One request the role must be able to make, and why."""

    request: Request
    because: str
    """e.g. "aws:iam/rolePolicy:RolePolicy deploy-app-deploy-ecr: update"."""
    resource_policies: tuple[Policy, ...] = ()
    """Policies on the resource itself (a bucket policy) that take part in the decision."""
    key_policy: Policy | None = None
    """The key policy, when the request is a KMS call on a key of these programs: it decides first."""


@dataclass(frozen=True)
class Role:
    label: str
    """e.g. "production infra-deploy"."""
    arn: str
    policies: tuple[Policy, ...]
    sources: tuple[str, ...]
    """Where each policy came from (inline policy resource, managed policy version), for the report."""
    needs: tuple[Need, ...]
    exempt: tuple[str, ...] = field(default=())
    """Needs left out on purpose, each with its reason (reported, never silent)."""
    boundary: Policy | None = None
    """The role's permissions boundary: nothing outside it is allowed, whatever the other policies say."""


def _inputs(resource: Resource) -> dict[str, Any]:
    value = unwrapped(resource.inputs)
    return value if isinstance(value, dict) else {}


def _path(values: Mapping[str, Any], dotted: str) -> Any:
    value: Any = values
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def role_name(role: Resource) -> str:
    return str(role.inputs.get("name") or role.outputs.get("name") or role.outputs.get("id"))


def _belongs_to(resource: Resource, role: Resource) -> bool:
    return resource.inputs.get("role") in {role_name(role), role.outputs.get("id")}


def find_role(plan: Plan, suffix: str) -> Resource:
    found = [r for r in plan.of_type(ROLE) if r.name.endswith(suffix)]
    if len(found) != 1:
        names = ", ".join(r.name for r in plan.of_type(ROLE))
        raise LookupError(f"{plan.stack}: expected one role named *{suffix}, found {len(found)} among: {names}")
    return found[0]


def policy_by_arn(arn: str, plans: Sequence[Plan]) -> tuple[Policy, str]:
    """A managed policy and where it came from: a customer managed one the programs declare, or the stored copy
    of an AWS managed one."""
    for plan in plans:
        for policy in plan.of_type(POLICY):
            if policy.outputs.get("arn") == arn:
                return parse_policy(str(_inputs(policy)["policy"]), f"{plan.stack}:{policy.name}"), (
                    f"{policy.name} ({plan.stack})"
                )
    managed = managed_policy(arn)
    return managed.policy, managed.label()


def effective_policies(role: Resource, plans: Sequence[Plan]) -> tuple[tuple[Policy, ...], tuple[str, ...]]:
    """The role's inline policies and the managed policies it attaches, from every plan that declares policies
    for it."""
    policies: list[Policy] = []
    sources: list[str] = []
    for plan in plans:
        for resource in plan.of_type(ROLE_POLICY):
            if _belongs_to(resource, role):
                policies.append(parse_policy(str(_inputs(resource)["policy"]), f"{plan.stack}:{resource.name}"))
                sources.append(f"inline {resource.name} ({plan.stack})")
        for resource in plan.of_type(ATTACHMENT):
            if _belongs_to(resource, role):
                policy, source = policy_by_arn(str(resource.inputs["policyArn"]), plans)
                policies.append(policy)
                sources.append(f"managed {source}")
    inline = role.inputs.get("inlinePolicies") or role.inputs.get("managedPolicyArns")
    if inline:
        raise PolicyError(f"{role.name}: inline_policy/managed_policy_arns on the role itself are not read here")
    return tuple(policies), tuple(sources)


def permissions_boundary(role: Resource, plans: Sequence[Plan]) -> tuple[Policy | None, str]:
    """The role's permissions boundary and where it came from; (None, "") for a role without one."""
    arn = role.inputs.get("permissionsBoundary")
    if not arn:
        return None, ""
    policy, source = policy_by_arn(str(arn), plans)
    return policy, f"boundary {source}"


def default_tags(plan: Plan) -> dict[str, str]:
    """The tags the stack's default AWS provider puts on every taggable resource."""
    providers = [r for r in plan.of_type(PROVIDER) if r.inputs.get("defaultTags")]
    if not providers:
        return {}
    raw = providers[0].inputs["defaultTags"]
    tags = (json.loads(raw) if isinstance(raw, str) else raw).get("tags", {})
    return {str(k): str(v) for k, v in tags.items()}


def _tag_context(prefix: str, tags: Mapping[str, str]) -> dict[str, list[str]]:
    return {f"{prefix}/{k}": [v] for k, v in tags.items()}


def _carries_tags(action: str) -> bool:
    name = action.partition(":")[2]
    return name.startswith(("Tag", "AddTags", "CreateTags", "ChangeTags"))


def _values() -> dict[str, Any]:
    return {"partition": fakes.PARTITION, "region": fakes.REGION, "account": fakes.ACCOUNT}


@dataclass(frozen=True)
class Tags:
    """The tags a request is judged with: the resource's own (`resource`; None when unknown, or when the request
    creates it) and those the request sets (`request`; None when it sets none)."""

    resource: Mapping[str, str] | None = None
    request: Mapping[str, str] | None = None


def _request(
    action: str,
    resource: str,
    *,
    tags: Tags = Tags(),
    extra: Mapping[str, Sequence[str]] | None = None,
    modelled: frozenset[str] = frozenset(),
) -> Request:
    context: dict[str, list[str]] = {"aws:SecureTransport": ["true"]}
    known = set(ALWAYS_MODELLED | modelled)
    if tags.resource is not None:
        context.update(_tag_context("aws:ResourceTag", tags.resource))
        known.add("aws:resourcetag/")
    if tags.request is not None:
        context.update(_tag_context("aws:RequestTag", tags.request))
        context["aws:TagKeys"] = sorted(tags.request)
        known |= {"aws:requesttag/", "aws:tagkeys"}
    elif tags.resource is not None:
        known |= {"aws:requesttag/", "aws:tagkeys"}
    if action.lower().startswith("kms:"):
        # The caller is a role of the account the program deploys to.
        context["kms:CallerAccount"] = [fakes.ACCOUNT]
    for key, values in (extra or {}).items():
        context[key] = list(values)
    return Request(action=action, resource=resource, context=context, modelled=frozenset(known))


RECORD_CHANGE = "route53:ChangeResourceRecordSets"
RECORD_NAMES_KEY = "route53:ChangeResourceRecordSetsNormalizedRecordNames"


def resource_needs(
    plan: Plan,
    table: Table,
    *,
    operations: Sequence[str] = OPERATIONS,
    read_only: frozenset[str] = frozenset(),
    types: frozenset[str] | None = None,
) -> Iterator[Need]:
    """Every request the resources of `plan` (of `types`, default all) need, operation by operation. Resources
    whose URN is in `read_only` need only their read."""
    tags = default_tags(plan)
    roles_by_arn = {str(r.outputs.get("arn")): r for r in plan.of_type(ROLE)}
    for resource in plan.resources:
        if not resource.custom or (types is not None and resource.type not in types):
            continue
        entry = table.resources.get(resource.type)
        if entry is None:
            raise TableError(f"{resource.type} ({resource.name}) has no entry in the table of required actions")
        inputs = _inputs(resource)
        own_tags = {**tags, **{str(k): str(v) for k, v in (inputs.get("tags") or {}).items()}}
        refs = {name: _referenced(plan, inputs.get(name), token) for name, token in entry.refs.items()}
        values = {**_values(), "inputs": inputs, "outputs": resource.outputs, "ref": refs}
        wanted = ("read",) if resource.urn in read_only else operations
        for operation in wanted:
            why = f"{resource.type} {resource.name}: {operation}"
            for action in entry.operations[operation]:
                if action in entry.no_permission_needed:
                    continue
                creating = action == entry.creates and operation == "create"
                extra, modelled = _action_context(entry, action, values)
                yield Need(
                    _request(
                        action,
                        render(entry.resource_for(action), values),
                        tags=Tags(
                            resource=None if creating else own_tags,
                            request=own_tags if creating or _carries_tags(action) else None,
                        ),
                        extra=extra,
                        modelled=modelled,
                    ),
                    why,
                )
            if operation in ("create", "update"):
                yield from _pass_role_needs(entry, resource, why, roles_by_arn, tags)


def _action_context(
    entry: Entry, action: str, values: Mapping[str, Any]
) -> tuple[dict[str, list[str]], frozenset[str]]:
    """The condition keys `action` on the entry's resource carries besides tags (`values`: what the table's
    templates are rendered with), and the keys whose absence the request models."""
    inputs = values["inputs"]
    extra: dict[str, list[str]] = {}
    if entry.policy_arn:
        extra["iam:PolicyARN"] = [render(entry.policy_arn, values)]
    if action in entry.via:
        extra["kms:ViaService"] = [_endpoint(entry.via[action])]
    modelled: frozenset[str] = frozenset()
    if action == RECORD_CHANGE and inputs.get("name"):
        # The name the record change carries, as Route 53 normalises it (lower case, no final dot).
        extra[RECORD_NAMES_KEY] = [str(inputs["name"]).lower().rstrip(".")]
    if entry.boundary and BOUNDARY_KEY in condition_keys(action):
        # The role's boundary (none: the key is absent from the request, which IAM knows).
        modelled = frozenset({BOUNDARY_KEY})
        boundary = render_optional(entry.boundary, values)
        if boundary:
            extra["iam:PermissionsBoundary"] = [boundary]
    return extra, modelled


def _referenced(plan: Plan, value: Any, type_token: str) -> dict[str, Any]:
    """The inputs and outputs of the resource of `type_token` whose id or ARN is `value` ({} when none is)."""
    for resource in plan.of_type(type_token):
        if value is not None and value in (resource.outputs.get("id"), resource.outputs.get("arn")):
            return {"inputs": _inputs(resource), "outputs": resource.outputs}
    return {}


def _pass_role_needs(
    entry: Entry, resource: Resource, why: str, roles_by_arn: Mapping[str, Resource], tags: Mapping[str, str]
) -> Iterator[Need]:
    for path, service in entry.pass_role.items():
        arn = _path(_inputs(resource), path)
        if not isinstance(arn, str):
            continue
        # A role of this plan carries the stack's tags; one from elsewhere has tags this check cannot know.
        passed_tags = tags if arn in roles_by_arn else None
        yield Need(
            _request(
                "iam:PassRole",
                arn,
                tags=Tags(resource=passed_tags),
                extra={"iam:PassedToService": [service]},
            ),
            f"{why} (passes {path})",
        )


def invoke_needs(invokes: Sequence[Invoke], table: Table) -> Iterator[Need]:
    for invoke in _unique(invokes):
        entry = table.invokes.get(invoke.token)
        if entry is None:
            raise TableError(f"invoke {invoke.token} has no entry in the table of required actions")
        values = {**_values(), "args": invoke.args, "result": invoke.result}
        for action in entry.operations[CALL]:
            if action in entry.no_permission_needed:
                continue
            resource = render(entry.resource_for(action), values)
            # The looked-up object's tags are not this stack's to know: a tag condition stays an assumption.
            yield Need(_request(action, resource), f"invoke {invoke.token}")


def _unique(invokes: Sequence[Invoke]) -> list[Invoke]:
    seen: set[str] = set()
    unique = []
    for invoke in invokes:
        key = json.dumps([invoke.token, invoke.args], sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            unique.append(invoke)
    return unique


# ------------------------------------------------------------------------------------------- state backend

ECR_PUSH = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
)
# The stack outputs the deploy workflow reads (deploy.yml's OUTPUT_* variables).
OUTPUT_REPOSITORY_URL = "ecrRepositoryUrl"
OUTPUT_FRONTEND_BUCKET = "frontendBucketName"
OUTPUT_DISTRIBUTION_ID = "frontendDistributionId"


def _endpoint(service: str) -> str:
    return f"{service}.{fakes.REGION}.amazonaws.com"


def _public_statements(document: Mapping[str, Any] | str, name: str) -> Policy:
    """A bucket policy's statements that apply to every principal (Principal "*"); those naming a service
    (CloudFront reading the site) do not concern a CI role."""
    data = json.loads(document) if isinstance(document, str) else dict(document)
    statements = data.get("Statement", [])
    kept = [s for s in statements if s.get("Principal") in ("*", {"AWS": "*"})]
    return parse_policy({"Version": data.get("Version", "2012-10-17"), "Statement": kept}, name)


def bucket_policies(plans: Sequence[Plan]) -> dict[str, Policy]:
    """Bucket name -> its policy's statements for every principal, from every plan."""
    found: dict[str, Policy] = {}
    for plan in plans:
        names = {
            str(b.outputs.get("id")): str(b.outputs.get("bucket") or b.outputs.get("id")) for b in plan.of_type(BUCKET)
        }
        for resource in plan.of_type(BUCKET_POLICY):
            bucket = str(resource.inputs.get("bucket"))
            found[names.get(bucket, bucket)] = _public_statements(
                str(_inputs(resource)["policy"]), f"{plan.stack}:{resource.name}"
            )
    return found


def bucket_kms_key(plan: Plan, bucket_id: str) -> str | None:
    """The KMS key a bucket's default encryption uses, if any."""
    for resource in plan.of_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    ):
        if resource.inputs.get("bucket") != bucket_id:
            continue
        for rule in _inputs(resource).get("rules", []):
            key = (rule.get("applyServerSideEncryptionByDefault") or {}).get("kmsMasterKeyId")
            if key:
                return str(key)
    return None


@dataclass(frozen=True)
class ObjectAccess:
    """What a caller does to a bucket's objects (`objects`: their keys, default any)."""

    read: bool
    write: bool
    delete: bool
    objects: Sequence[str] = ("*",)


def _object_needs(
    bucket: str, key: str | None, policies: Mapping[str, Policy], access: ObjectAccess, why: str
) -> Iterator[Need]:
    """List a bucket and read, write or delete its objects, with the KMS calls S3 makes for the caller: Decrypt to
    read, GenerateDataKey to write, and Decrypt too for a multipart upload (the CLI's above 8 MB)."""
    arn = f"arn:{fakes.PARTITION}:s3:::{bucket}"
    on_bucket = tuple(p for name, p in policies.items() if name == bucket)
    via_s3 = {"kms:ViaService": [_endpoint("s3")]}
    yield Need(_request("s3:ListBucket", arn), why, on_bucket)
    for obj in access.objects:
        if access.read:
            yield Need(_request("s3:GetObject", f"{arn}/{obj}"), why, on_bucket)
        if access.write:
            yield Need(_request("s3:PutObject", f"{arn}/{obj}", modelled=S3_PUT_HEADERS), why, on_bucket)
        if access.delete:
            yield Need(_request("s3:DeleteObject", f"{arn}/{obj}"), why, on_bucket)
    if key and (access.read or access.write):
        yield Need(_request("kms:Decrypt", key, extra=via_s3), f"{why} (SSE-KMS)")
    if key and access.write:
        yield Need(_request("kms:GenerateDataKey", key, extra=via_s3), f"{why} (SSE-KMS)")


def state_objects(stack: str) -> list[str]:
    """One object of each kind the DIY backend keeps for `stack` (checkpoint, history, backup, journal, lock,
    meta), from the path patterns the deploy role is fenced to."""
    return [
        path.replace("*", ".gz" if path.endswith(".json*") else "example.json") for path in state_paths(PROJECT, stack)
    ]


def state_needs(bootstrap: Plan, policies: Mapping[str, Policy], *, write: bool, stack: str) -> Iterator[Need]:
    """Pulumi's S3 backend: read the stack's state and decrypt its secrets (awskms:// data key); `pulumi up`
    also writes snapshots, history and backups and creates and deletes its lock file."""
    bucket = bootstrap.one(BUCKET)
    # The stack's own secrets-provider key: the bootstrap key tagged for it (the shared key encrypts the bucket).
    (key,) = [
        str(k.outputs["arn"]) for k in bootstrap.of_type(KMS_KEY) if (k.inputs.get("tags") or {}).get("Stack") == stack
    ]
    name = str(bucket.outputs.get("bucket") or bucket.outputs["id"])
    why = "state backend (pulumi up)" if write else "state backend (pulumi preview)"
    bucket_key = bucket_kms_key(bootstrap, str(bucket.outputs["id"]))
    access = ObjectAccess(read=True, write=write, delete=write, objects=state_objects(stack))
    yield from _object_needs(name, bucket_key, policies, access, why)
    yield Need(_request("kms:Decrypt", key), f"{why}: secrets provider")


def repository_arn(plan: Plan) -> str:
    """The stack's ECR repository, from the URL output the deploy job pushes to."""
    url = str(plan.outputs[OUTPUT_REPOSITORY_URL])
    host, _, name = url.partition("/")
    account, _, rest = host.partition(".dkr.ecr.")
    region = rest.partition(".")[0]
    if not (account and region and name):
        raise LookupError(f"{plan.stack}: output {OUTPUT_REPOSITORY_URL} {url!r} is not an ECR repository URL")
    return f"arn:{fakes.PARTITION}:ecr:{region}:{account}:repository/{name}"


def publish_needs(plan: Plan, policies: Mapping[str, Policy], why: str) -> Iterator[Need]:
    """Upload the frontend (`aws s3 sync`/`cp`, with `--delete` for the app release) and invalidate the CDN."""
    bucket = str(plan.outputs[OUTPUT_FRONTEND_BUCKET])
    bucket_id = next((str(b.outputs["id"]) for b in plan.of_type(BUCKET) if b.outputs.get("bucket") == bucket), bucket)
    # `aws s3 sync` compares by listing, then uploads (and with --delete removes); it reads no object.
    key = bucket_kms_key(plan, bucket_id)
    yield from _object_needs(bucket, key, policies, ObjectAccess(read=False, write=True, delete=True), why)
    distribution = (
        f"arn:{fakes.PARTITION}:cloudfront::{fakes.ACCOUNT}:distribution/{plan.outputs[OUTPUT_DISTRIBUTION_ID]}"
    )
    for action in ("cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"):
        yield Need(_request(action, distribution), why)


def image_push_needs(plan: Plan, why: str) -> Iterator[Need]:
    yield Need(_request("ecr:GetAuthorizationToken", "*"), why)
    for action in ECR_PUSH:
        yield Need(_request(action, repository_arn(plan)), why)


def rollout_needs(plan: Plan, table: Table) -> Iterator[Need]:
    """An application release: register a task definition like the stack's (passing its roles) and roll the
    service to it."""
    task_definition = plan.one("aws:ecs/taskDefinition:TaskDefinition", "backend-task")
    entry = table.resources[task_definition.type]
    why = "app release: register task definition"
    for action in ("ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"):
        yield Need(_request(action, "*"), why)
    roles_by_arn = {str(r.outputs.get("arn")): r for r in plan.of_type(ROLE)}
    yield from _pass_role_needs(entry, task_definition, why, roles_by_arn, default_tags(plan))
    yield from service_needs(plan, ("ecs:DescribeServices", "ecs:UpdateService"), "app release: roll the service")


def service_needs(plan: Plan, actions: Sequence[str], why: str) -> Iterator[Need]:
    """Calls on the stack's ECS service (a tagged resource of the stack)."""
    service = str(plan.one("aws:ecs/service:Service").outputs["arn"])
    for action in actions:
        yield Need(_request(action, service, tags=Tags(resource=default_tags(plan))), why)


def migration_needs(plan: Plan, why: str) -> Iterator[Need]:
    """The deploy step that runs the database migration task: run it (which passes its execution role to ECS),
    wait for it, read its exit code and, on failure, its log."""
    definition = next(r for r in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if r.name == "db-migrate-task")
    tags = default_tags(plan)
    yield Need(_request("ecs:RunTask", str(definition.outputs["arn"]), tags=Tags(resource=tags)), why)
    yield Need(
        _request(
            "iam:PassRole",
            str(_inputs(definition)["executionRoleArn"]),
            tags=Tags(resource=tags),
            extra={"iam:PassedToService": ["ecs-tasks.amazonaws.com"]},
        ),
        f"{why} (passes its execution role)",
    )
    cluster = str(plan.one("aws:ecs/cluster:Cluster").outputs["arn"])
    task = cluster.replace(":cluster/", ":task/") + "/0123456789abcdef"
    yield Need(_request("ecs:DescribeTasks", task, tags=Tags(resource=tags)), why)
    log_group = next(
        r for r in plan.of_type("aws:cloudwatch/logGroup:LogGroup") if str(_inputs(r)["name"]).endswith("-db-migrate")
    )
    yield Need(_request("logs:GetLogEvents", f"{log_group.outputs['arn']}:log-stream:*"), why)


# ------------------------------------------------------------------------------------------- KMS key policies


def account_root() -> str:
    return f"arn:{fakes.PARTITION}:iam::{fakes.ACCOUNT}:root"


def key_policies(plans: Sequence[Plan]) -> dict[str, Policy]:
    """Key ARN -> its key policy, for every key the programs declare. A key without one gets AWS's default key
    policy (the account may use IAM policies to grant every KMS action)."""
    found: dict[str, Policy] = {}
    default = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": account_root()}, "Action": "kms:*", "Resource": "*"}]
    }
    for plan in plans:
        for key in plan.of_type(KMS_KEY):
            document = _inputs(key).get("policy") or default
            found[str(key.outputs["arn"])] = parse_policy(document, f"{plan.stack}:{key.name}")
    return found


def key_tags(plans: Sequence[Plan]) -> dict[str, dict[str, str]]:
    """Key ARN -> the tags AWS holds for it: the provider's default tags of its program under its own."""
    return {
        str(key.outputs["arn"]): {**default_tags(plan), **(_inputs(key).get("tags") or {})}
        for plan in plans
        for key in plan.of_type(KMS_KEY)
    }


def with_key_policies(
    needs: Sequence[Need], keys: Mapping[str, Policy], tags: Mapping[str, Mapping[str, str]]
) -> tuple[Need, ...]:
    """KMS needs with the key's policy (it decides first) and its tags in the request context (a deploy role's
    fence denies the keys of other stacks by their tag)."""
    out: list[Need] = []
    for need in needs:
        request = need.request
        if request.action.lower().startswith("kms:") and request.resource in keys:
            if request.resource in tags and not request.knows("aws:ResourceTag/Stack"):
                context = {**request.context, **_tag_context("aws:ResourceTag", tags[request.resource])}
                request = dataclasses.replace(
                    request, context=context, modelled=request.modelled | {"aws:resourcetag/"}
                )
            out.append(dataclasses.replace(need, request=request, key_policy=keys[request.resource]))
        else:
            out.append(need)
    return tuple(out)


# ------------------------------------------------------------------------------------------- the roles

SELF_MANAGED_REASON = (
    "a deploy role never changes its own role or policies (its own policy denies it): an administrator applies "
    "changes to them; CI only reads them"
)


def _self_urns(plan: Plan, role: Resource) -> frozenset[str]:
    own = [r for r in plan.resources if r.type in (ROLE_POLICY, ATTACHMENT) and _belongs_to(r, role)]
    return frozenset({role.urn, *(r.urn for r in own)})


def _role(label: str, role: Resource, plans: Sequence[Plan], needs: Sequence[Need], exempt: Sequence[str] = ()) -> Role:
    """The role as IAM sees it, from every plan that declares a policy for it, a key policy or its boundary."""
    policies, sources = effective_policies(role, plans)
    boundary, boundary_source = permissions_boundary(role, plans)
    return Role(
        label,
        str(role.outputs["arn"]),
        policies,
        (*sources, *([boundary_source] if boundary_source else [])),
        with_key_policies(needs, key_policies(plans), key_tags(plans)),
        tuple(exempt),
        boundary,
    )


def infra_deploy_role(recorded: RecordedPlan, bootstrap: RecordedPlan, table: Table) -> Role:
    plan = recorded.plan
    role = find_role(plan, "-infra-deploy")
    buckets = bucket_policies([plan, bootstrap.plan])
    read_only = _self_urns(plan, role)
    needs = (
        *resource_needs(plan, table, read_only=read_only),
        *invoke_needs(recorded.invokes, table),
        *state_needs(bootstrap.plan, buckets, write=True, stack=plan.stack),
        *image_push_needs(plan, "deploy job: push the image, move the stack's tag"),
        # The scan gate: `aws ecr wait image-scan-complete` and `describe-image-scan-findings` on the pushed digest.
        Need(_request("ecr:DescribeImageScanFindings", repository_arn(plan)), "deploy job: the image scan gate"),
        # `aws ecs wait services-stable` and `describe-services`: the release counts once ECS runs it.
        *service_needs(plan, ("ecs:DescribeServices",), "deploy job: wait for the service to run the release"),
        *migration_needs(plan, "deploy job: run the database migration task"),
        *publish_needs(plan, buckets, "deploy job: upload the frontend, invalidate"),
    )
    exempt = [
        f"{r.type} {r.name}: create/update/delete ({SELF_MANAGED_REASON})" for r in plan.resources if r.urn in read_only
    ]
    return _role(f"{plan.stack} infra-deploy", role, [plan, bootstrap.plan], needs, exempt)


def app_deploy_role(recorded: RecordedPlan, bootstrap: RecordedPlan, table: Table) -> Role:
    plan = recorded.plan
    role = find_role(plan, "-app-deploy")
    buckets = bucket_policies([plan])
    needs = (
        *image_push_needs(plan, "app release: push the image"),
        *rollout_needs(plan, table),
        *publish_needs(plan, buckets, "app release: publish the frontend"),
    )
    return _role(f"{plan.stack} app-deploy", role, [plan, bootstrap.plan], needs)


def preview_role(stacks: Sequence[RecordedPlan], bootstrap: RecordedPlan, table: Table) -> Role:
    role = find_role(bootstrap.plan, "-preview")
    buckets = bucket_policies([bootstrap.plan])
    needs: list[Need] = []
    for recorded in stacks:
        needs += resource_needs(recorded.plan, table, operations=("read",), types=frozenset({PROVIDER}))
        needs += invoke_needs(recorded.invokes, table)
    for recorded in stacks:
        needs += state_needs(bootstrap.plan, buckets, write=False, stack=recorded.plan.stack)
    return _role("preview", role, [bootstrap.plan, *(s.plan for s in stacks)], needs)


def drift_role(stacks: Sequence[RecordedPlan], bootstrap: RecordedPlan, table: Table) -> Role:
    """The drift workflow's role: `pulumi refresh --preview-only` of every stack reads every resource and calls
    the program's lookups, and reads the state and its secrets."""
    role = find_role(bootstrap.plan, "-drift")
    buckets = bucket_policies([bootstrap.plan])
    needs: list[Need] = []
    for recorded in stacks:
        needs += resource_needs(recorded.plan, table, operations=("read",))
        needs += invoke_needs(recorded.invokes, table)
        needs += state_needs(bootstrap.plan, buckets, write=False, stack=recorded.plan.stack)
    return _role("drift", role, [bootstrap.plan, *(s.plan for s in stacks)], needs)
