"""Fake computed attributes for resources and invokes under mocks.

A mock that returns only the inputs leaves computed attributes (ARNs, endpoints, validation options) as None,
and an input built from one silently disappears. Every type the program declares gets believable values here:
a generic ARN/id/name for all, plus per-type attributes in COMPUTED. Add an entry when you add a type whose
computed attributes a dependent reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"

State = dict[str, Any]


def suffix(name: str, length: int = 7) -> str:
    """Hex characters (seven, like Pulumi's auto-naming suffix), deterministic for a name."""
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def physical_name(args: MockResourceArgs) -> str:
    inputs = args.inputs
    for key in ("name", "bucket", "identifier", "replicationGroupId", "clusterIdentifier", "functionName"):
        if isinstance(inputs.get(key), str):
            return str(inputs[key])
    if isinstance(inputs.get("bucketPrefix"), str):
        # S3 completes a prefix with 26 characters of its own.
        return f"{inputs['bucketPrefix']}{suffix(args.name, 26)}"
    return f"{args.name}-{suffix(args.name)}"


def _service(type_token: str) -> str:
    # aws:rds/instance:Instance -> rds
    return type_token.split(":")[1].split("/", maxsplit=1)[0]


def generic_arn(args: MockResourceArgs, resource_id: str) -> str:
    kind = args.typ.split(":")[1].split("/")[-1]
    return f"arn:{PARTITION}:{_service(args.typ)}:{REGION}:{ACCOUNT}:{kind}/{resource_id}"


def _kms_key(args: MockResourceArgs, rid: str) -> State:
    return {"keyId": rid, "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{rid}"}


def _secret(args: MockResourceArgs, rid: str) -> State:
    name = args.inputs.get("name", rid)
    return {"arn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"}


def _log_group(args: MockResourceArgs, rid: str) -> State:
    return {"arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{args.inputs.get('name', rid)}"}


def _iam_role(args: MockResourceArgs, rid: str) -> State:
    """IAM is global (no region in the ARN), and the path is part of it: `role/<path>/<name>`."""
    name = args.inputs.get("name", rid)
    return {
        "arn": f"arn:aws:iam::{ACCOUNT}:role{args.inputs.get('path', '/')}{name}",
        "name": name,
        "uniqueId": f"AROA{suffix(rid)}",
    }


def _iam_policy(args: MockResourceArgs, rid: str) -> State:
    name = args.inputs.get("name", rid)
    return {"arn": f"arn:aws:iam::{ACCOUNT}:policy{args.inputs.get('path', '/')}{name}", "name": name}


def _vpc(args: MockResourceArgs, rid: str) -> State:
    return {
        "defaultSecurityGroupId": f"sg-default{suffix(rid)}",
        "defaultRouteTableId": f"rtb-default{suffix(rid)}",
        "mainRouteTableId": f"rtb-main{suffix(rid)}",
        "defaultNetworkAclId": f"acl-{suffix(rid)}",
    }


def _region_of(args: MockResourceArgs) -> str:
    """v7 resources may name their own region; the provider's otherwise."""
    region = args.inputs.get("region")
    return region if isinstance(region, str) else REGION


def _acm_certificate(args: MockResourceArgs, rid: str) -> State:
    names = [args.inputs.get("domainName", rid), *args.inputs.get("subjectAlternativeNames", [])]

    def option(name: str) -> State:
        # ACM's record depends on the name without its wildcard (one record validates x and *.x).
        base = name.removeprefix("*.")
        return {
            "domainName": name,
            "resourceRecordName": f"_{suffix(base, 32)}.{base}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{suffix(base + ACCOUNT, 32)}.xlfgrmvvlj.acm-validations.aws.",
        }

    return {
        "arn": f"arn:aws:acm:{_region_of(args)}:{ACCOUNT}:certificate/{suffix(rid, 8)}-{suffix(rid + 'x', 4)}",
        "domainValidationOptions": [option(n) for n in names],
        "status": "ISSUED",
    }


def _route53_zone(args: MockResourceArgs, rid: str) -> State:
    zone_id = "Z" + suffix(rid, 20).upper()
    return {
        "zoneId": zone_id,
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "nameServers": [f"ns-{n}.awsdns-{n:02d}.org" for n in (1, 2, 3, 4)],
    }


def _route53_record(args: MockResourceArgs, rid: str) -> State:
    return {"fqdn": str(args.inputs.get("name", rid)).rstrip(".")}


def _s3_bucket(args: MockResourceArgs, rid: str) -> State:
    name = rid
    region = _region_of(args)
    return {
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "region": region,
    }


def _cloudfront_distribution(args: MockResourceArgs, rid: str) -> State:
    return {
        "arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/{rid}",
        "domainName": f"d{suffix(args.name + 'd', 13)}.cloudfront.net",
        # CloudFront's one hosted zone id for alias records, the same for every distribution.
        "hostedZoneId": "Z2FDTNDATAQYW2",
        "status": "Deployed",
    }


def _log_delivery_source(args: MockResourceArgs, rid: str) -> State:
    return {"arn": f"arn:aws:logs:{_region_of(args)}:{ACCOUNT}:delivery-source:{args.inputs.get('name', rid)}"}


def _log_delivery_destination(args: MockResourceArgs, rid: str) -> State:
    name = args.inputs.get("name", rid)
    return {"arn": f"arn:aws:logs:{_region_of(args)}:{ACCOUNT}:delivery-destination:{name}"}


def _rds_instance(args: MockResourceArgs, rid: str) -> State:
    region = _region_of(args)
    identifier = str(args.inputs.get("identifier", rid))
    address = f"{identifier}.c{suffix(ACCOUNT + region, 11)}.{region}.rds.amazonaws.com"
    port = int(args.inputs.get("port", 5432))
    state: State = {
        "arn": f"arn:aws:rds:{region}:{ACCOUNT}:db:{identifier}",
        "address": address,
        "port": port,
        "endpoint": f"{address}:{port}",
        "resourceId": "db-" + suffix(rid, 26).upper(),
        "hostedZoneId": "Z2R2ITUGPM61AM",
    }
    if args.inputs.get("manageMasterUserPassword"):
        # RDS names its managed secret `rds!db-<uuid>`; a dependent must read the ARN, never guess it.
        uuid = suffix(rid, 32)
        name = f"rds!db-{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}"
        state["masterUserSecrets"] = [
            {
                "secretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-{suffix(rid, 6)}",
                "kmsKeyId": args.inputs.get("masterUserSecretKmsKeyId", ""),
                "secretStatus": "active",
            }
        ]
    return state


def _rds_parameter_group(args: MockResourceArgs, rid: str) -> State:
    return {"arn": f"arn:aws:rds:{_region_of(args)}:{ACCOUNT}:pg:{args.inputs.get('name', rid)}"}


def _replication_group(args: MockResourceArgs, rid: str) -> State:
    region = _region_of(args)
    group_id = str(args.inputs.get("replicationGroupId", rid))
    host = f"{group_id}.{suffix(ACCOUNT + group_id, 6)}.use1.cache.amazonaws.com"
    nodes = int(args.inputs.get("numCacheClusters", 1))
    return {
        "arn": f"arn:aws:elasticache:{region}:{ACCOUNT}:replicationgroup:{group_id}",
        "primaryEndpointAddress": f"master.{host}",
        "readerEndpointAddress": f"replica.{host}",
        "memberClusters": [f"{group_id}-{n:03d}" for n in range(1, nodes + 1)],
        "engineVersionActual": f"{args.inputs.get('engineVersion', '7.1')}.0",
        "port": int(args.inputs.get("port", 6379)),
    }


def _sns_topic(args: MockResourceArgs, rid: str) -> State:
    # Topic ARNs end with the bare name (no `topic/`), which topic policies and alarm actions quote verbatim.
    return {"arn": f"arn:aws:sns:{_region_of(args)}:{ACCOUNT}:{args.inputs.get('name', rid)}"}


def _dynamodb_table(args: MockResourceArgs, rid: str) -> State:
    return {"arn": f"arn:aws:dynamodb:{_region_of(args)}:{ACCOUNT}:table/{args.inputs.get('name', rid)}"}


def _ecr_repository_state(name: str) -> State:
    return {
        "name": name,
        "arn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}",
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}",
        "registryId": ACCOUNT,
    }


def _ecr_repository(args: MockResourceArgs, rid: str) -> State:
    return _ecr_repository_state(str(args.inputs.get("name", rid)))


def _elb_resource(arn_prefix: str, suffix_prefix: str) -> Callable[[MockResourceArgs, str], State]:
    """ALBs and target groups as AWS shapes them: the ARN ends in `<arn_prefix><suffix>` and the CloudWatch
    dimension `arnSuffix` is `<suffix_prefix><name>/<16 hex>` (`app/...` for an ALB, `targetgroup/...` for a
    target group)."""

    def compute(args: MockResourceArgs, rid: str) -> State:
        arn_suffix = f"{suffix_prefix}{physical_name(args)}/{suffix(rid, 16)}"
        arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:{arn_prefix}{arn_suffix}"
        return {"arn": arn, "arnSuffix": arn_suffix}

    return compute


def _load_balancer(args: MockResourceArgs, rid: str) -> State:
    return {
        **_elb_resource("loadbalancer/", "app/")(args, rid),
        "dnsName": f"{physical_name(args)}-{int(suffix(rid, 7), 16)}.{REGION}.elb.amazonaws.com",
        # The ALB alias-target hosted zone of us-east-1 (ELB endpoints table).
        "zoneId": "Z35SXDOTRQ7X7K",
    }


def _ecs_cluster(args: MockResourceArgs, rid: str) -> State:
    return {"arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{physical_name(args)}"}


def _ecs_service(args: MockResourceArgs, rid: str) -> State:
    cluster = str(args.inputs.get("cluster", "default")).rpartition("/")[2]
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{physical_name(args)}"
    return {"arn": arn}


def _ecs_task_definition(args: MockResourceArgs, rid: str) -> State:
    family = args.inputs.get("family", rid)
    base = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}"
    return {"arn": f"{base}:1", "arnWithoutRevision": base, "revision": 1}


def _awsx_ecr_image(args: MockResourceArgs, rid: str) -> State:
    # A remote component: the mock sees only it, and returns what awsx would, the pushed image by digest.
    return {"imageUri": f"{args.inputs.get('repositoryUrl')}@sha256:{suffix(args.name, 64)}"}


def _oidc_provider(args: MockResourceArgs, rid: str) -> State:
    host = str(args.inputs.get("url", "https://oidc.example.com")).removeprefix("https://")
    return {"arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"}


def _wafv2_web_acl(args: MockResourceArgs, rid: str) -> State:
    """`global/webacl/...` for scope CLOUDFRONT (always us-east-1), `regional/webacl/...` otherwise."""
    cloudfront = args.inputs.get("scope") == "CLOUDFRONT"
    region, kind = ("us-east-1", "global") if cloudfront else (_region_of(args), "regional")
    uuid = f"{suffix(rid, 8)}-{suffix(rid + '1', 4)}-{suffix(rid + '2', 4)}-{suffix(rid + '3', 4)}-{suffix(rid, 12)}"
    arn = f"arn:aws:wafv2:{region}:{ACCOUNT}:{kind}/webacl/{physical_name(args)}/{uuid}"
    return {"arn": arn, "capacity": 1127, "lockToken": suffix(rid, 32)}


def _scheduler_schedule(args: MockResourceArgs, rid: str) -> State:
    group = args.inputs.get("groupName", "default")
    return {"arn": f"arn:aws:scheduler:{_region_of(args)}:{ACCOUNT}:schedule/{group}/{physical_name(args)}"}


def _random_password(args: MockResourceArgs, rid: str) -> State:
    """Deterministic, so plans are stable; letters and digits of the requested length, like `special=False`."""
    length = int(args.inputs.get("length", 32))
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    digest = hashlib.shake_256(args.name.encode()).digest(length)
    return {"result": "".join(alphabet[b % len(alphabet)] for b in digest)}


def _random_id(args: MockResourceArgs, rid: str) -> State:
    """Deterministic hex of the requested byte length, like the real `hex` attribute."""
    return {"hex": hashlib.shake_256(args.name.encode()).hexdigest(int(args.inputs.get("byteLength", 8)))}


def _sentry_project(args: MockResourceArgs, rid: str) -> State:
    """The provider's id of a project is its slug; Sentry numbers it too."""
    return {"slug": args.inputs.get("slug", rid), "projectId": str(int(suffix(args.name, 6), 16)), "internalId": rid}


def _sentry_key(args: MockResourceArgs, rid: str) -> State:
    """A client key's DSN has the shape `https://<public key>@o<org id>.ingest.sentry.io/<project id>`."""
    public, secret = suffix(args.name, 32), suffix(args.name + "secret", 32)
    org_id = int(suffix(str(args.inputs.get("organization", "")), 6), 16)
    project_id = int(suffix(str(args.inputs.get("project", "")), 6), 16)
    dsn = f"https://{public}@o{org_id}.ingest.sentry.io/{project_id}"
    return {
        "public": public,
        "secret": secret,
        "projectId": project_id,
        "dsnPublic": dsn,
        "dsnSecret": dsn.replace(f"{public}@", f"{public}:{secret}@"),
        "dsnCsp": f"https://o.ingest.sentry.io/api/{project_id}/security/?sentry_key={public}",
        "isActive": True,
    }


def stack_reference(args: MockResourceArgs, rid: str) -> State:
    """Another stack's outputs, for the GitHub project: `<prefix>/<project>/<stack>`. The names are the real
    stacks' and the bootstrap's exports (a test checks them against their plans); the values are shaped alike."""
    *_, project, stack = str(args.inputs["name"]).split("/")
    if project.endswith("-bootstrap"):
        outputs: State = {
            "awsRegion": REGION,
            "backendUrl": f"s3://socialclub-pulumi-state-{ACCOUNT}-{REGION}?region={REGION}",
            "previewRoleArn": f"arn:{PARTITION}:iam::{ACCOUNT}:role/socialclub-github-preview",
            "driftRoleArn": f"arn:{PARTITION}:iam::{ACCOUNT}:role/socialclub-github-drift",
        }
    else:
        outputs = {
            "awsRegion": REGION,
            "infraDeployRoleArn": f"arn:{PARTITION}:iam::{ACCOUNT}:role/socialclub-{stack}/socialclub-{stack}-infra",
            "apiUrl": f"https://api-{stack}.socialclub.example.com",
        }
    return {"outputs": outputs, "secretOutputNames": []}


COMPUTED: dict[str, Callable[[MockResourceArgs, str], State]] = {
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomId:RandomId": _random_id,
    "aws:kms/key:Key": _kms_key,
    "aws:wafv2/webAcl:WebAcl": _wafv2_web_acl,
    "aws:scheduler/schedule:Schedule": _scheduler_schedule,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:acm/certificate:Certificate": _acm_certificate,
    "aws:route53/zone:Zone": _route53_zone,
    "aws:route53/record:Record": _route53_record,
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:cloudfront/distribution:Distribution": _cloudfront_distribution,
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": _log_delivery_source,
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": _log_delivery_destination,
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/parameterGroup:ParameterGroup": _rds_parameter_group,
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:dynamodb/table:Table": _dynamodb_table,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _elb_resource("", "targetgroup/"),
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/service:Service": _ecs_service,
    "aws:ecs/taskDefinition:TaskDefinition": _ecs_task_definition,
    "awsx:ecr:Image": _awsx_ecr_image,
    "sentry:index/sentryProject:SentryProject": _sentry_project,
    "sentry:index/sentryKey:SentryKey": _sentry_key,
    "pulumi:pulumi:StackReference": stack_reference,
}

# Ids that AWS gives a recognisable shape (helps reading a plan and keeps id-format checks honest).
ID_PREFIX: dict[str, str] = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:cloudfront/distribution:Distribution": "E",
}


def _resource_id(args: MockResourceArgs) -> str:
    prefix = ID_PREFIX.get(args.typ)
    if prefix:
        return prefix + suffix(args.typ + args.name, 17)
    return physical_name(args)


def _caller_identity(_: dict[str, Any]) -> State:
    return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/offline", "userId": "AIDAOFFLINE"}


def _hosted_zone(args: dict[str, Any]) -> State:
    name = str(args.get("name", "example.com")).rstrip(".")
    zone_id = "Z" + suffix(name, 20).upper()
    return {
        "id": zone_id,
        "zoneId": zone_id,
        "name": name,
        "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
        "nameServers": [f"ns-{n}.awsdns-{n:02d}.net" for n in (1, 2, 3, 4)],
        "privateZone": False,
    }


def _sentry_team(args: dict[str, Any]) -> State:
    slug = str(args.get("slug", "team"))
    return {"id": slug, "slug": slug, "name": slug, "internalId": str(int(suffix(slug, 6), 16)), "isMember": True}


def _github_account(key: str) -> Callable[[dict[str, Any]], State]:
    """A team (by slug) or user (by login): GitHub's numeric id, as the provider's `id`."""

    def answer(args: dict[str, Any]) -> State:
        handle = str(args.get(key, ""))
        return {"id": str(int(suffix(handle, 6), 16)), key: handle, "nodeId": f"N_{suffix(handle, 12)}"}

    return answer


CALLS: dict[str, Callable[[dict[str, Any]], State]] = {
    "github:index/getTeam:getTeam": _github_account("slug"),
    "github:index/getUser:getUser": _github_account("username"),
    "sentry:index/getSentryTeam:getSentryTeam": _sentry_team,
    "aws:route53/getZone:getZone": _hosted_zone,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": lambda _: {"name": REGION, "region": REGION, "id": REGION},
    "aws:index/getPartition:getPartition": lambda _: {
        "partition": PARTITION,
        "dnsSuffix": "amazonaws.com",
        "id": PARTITION,
    },
}


class FakeCloud(Mocks):
    """Mocks that answer like AWS would: inputs echoed, computed attributes faked, invokes answered."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str, State]:
        rid = _resource_id(args)
        state: State = {"id": rid, **args.inputs}
        if args.typ.startswith("aws:"):
            state.setdefault("arn", generic_arn(args, rid))
            state.setdefault("name", physical_name(args))
        compute = COMPUTED.get(args.typ)
        if compute is not None:
            state.update(compute(args, rid))
        return rid, state

    def call(self, args: MockCallArgs) -> tuple[State, list[tuple[str, str]]]:
        answer = CALLS.get(args.token)
        if answer is None:
            raise NotImplementedError(f"offline fakes have no answer for invoke {args.token}; add one to CALLS")
        return answer(args.args), []
