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
    return {
        "arn": f"arn:aws:iam::{ACCOUNT}:role/{args.inputs.get('name', rid)}",
        "uniqueId": f"AROA{suffix(rid)}",
    }


def _vpc(args: MockResourceArgs, rid: str) -> State:
    return {
        "defaultSecurityGroupId": f"sg-default{suffix(rid)}",
        "defaultRouteTableId": f"rtb-default{suffix(rid)}",
        "mainRouteTableId": f"rtb-main{suffix(rid)}",
        "defaultNetworkAclId": f"acl-{suffix(rid)}",
    }


COMPUTED: dict[str, Callable[[MockResourceArgs, str], State]] = {
    "aws:kms/key:Key": _kms_key,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:iam/role:Role": _iam_role,
    "aws:ec2/vpc:Vpc": _vpc,
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
}


def _resource_id(args: MockResourceArgs) -> str:
    prefix = ID_PREFIX.get(args.typ)
    if prefix:
        return prefix + suffix(args.typ + args.name, 17)
    return physical_name(args)


def _caller_identity(_: dict[str, Any]) -> State:
    return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/offline", "userId": "AIDAOFFLINE"}


CALLS: dict[str, Callable[[dict[str, Any]], State]] = {
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
