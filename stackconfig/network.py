"""The `socialclub:network` section: the settings of the `Vpc` (CIDR, availability zones, subnets per tier, NAT
strategy, flow logs; docs/requirements.md §5.1)."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Network
from itertools import combinations
from typing import Literal

from pydantic import Field, model_validator

from stackconfig.base import ConfigModel, Problem, RetentionDays, raise_problems

TIERS = ("publicSubnets", "privateSubnets", "dataSubnets")

NatStrategy = Literal["single", "one-per-az"]


class VpcSettings(ConfigModel):
    """The network's knobs (section `socialclub:network`). The availability zones and subnets have no default:
    they depend on the region and on the addresses the account already uses."""

    cidr: IPv4Network = IPv4Network("10.0.0.0/16")
    """The VPC's IPv4 block (default 10.0.0.0/16, docs/requirements.md §5.1); between /16 and /24 (AWS allows
    down to /28; the program keeps room for three tiers of subnets)."""
    availability_zones: list[str] = Field(min_length=2, max_length=6)
    """AZ names of `aws:region`, in subnet order, 2-6 of them (docs/requirements.md §5.1: us-east-1a, us-east-1b,
    us-east-1c)."""
    public_subnets: list[IPv4Network]
    """One per AZ, for the ALB and the NAT gateways (docs/requirements.md §5.1: 10.0.1-3.0/24); inside `cidr`,
    /28 or larger, disjoint from every other subnet."""
    private_subnets: list[IPv4Network]
    """One per AZ, for the ECS tasks; egress through NAT (docs/requirements.md §5.1: 10.0.11-13.0/24)."""
    data_subnets: list[IPv4Network]
    """One per AZ, for RDS and ElastiCache; no route to the internet (docs/requirements.md §5.1: 10.0.21-23.0/24)."""
    nat_gateways: NatStrategy = "one-per-az"
    """`one-per-az` (default) keeps egress when an AZ fails; `single` saves a NAT gateway per extra AZ but loses
    egress with its AZ (production refuses it)."""
    flow_logs_retention_days: RetentionDays = 30
    """Days the VPC flow-log group keeps its records (default 30); a CloudWatch Logs retention value."""
    flow_logs_traffic: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    """Which flows are logged: `ALL` (default), only `ACCEPT`ed or only `REJECT`ed ones."""

    def tier(self, key: str) -> list[IPv4Network]:
        return {
            "publicSubnets": self.public_subnets,
            "privateSubnets": self.private_subnets,
            "dataSubnets": self.data_subnets,
        }[key]

    @model_validator(mode="after")
    def _subnets_fit(self) -> VpcSettings:
        raise_problems(self._problems())
        return self

    def _problems(self) -> Iterator[Problem]:
        if not 16 <= self.cidr.prefixlen <= 24:
            yield Problem(("cidr",), str(self.cidr), "accepted: a block between /16 and /24")
        if len(set(self.availability_zones)) != len(self.availability_zones):
            yield Problem(("availabilityZones",), self.availability_zones, "accepted: distinct AZ names")
        for key in TIERS:
            subnets = self.tier(key)
            if len(subnets) != len(self.availability_zones):
                yield Problem(
                    (key,),
                    [str(s) for s in subnets],
                    f"accepted: one subnet per availability zone ({len(self.availability_zones)})",
                )
            for i, subnet in enumerate(subnets):
                if not subnet.subnet_of(self.cidr):
                    yield Problem((key, i), str(subnet), f"outside the VPC; accepted: a subnet of {self.cidr}")
                elif subnet.prefixlen > 28:
                    yield Problem((key, i), str(subnet), "accepted: /28 or larger, the smallest AWS allows")
        located = [((key, i), s) for key in TIERS for i, s in enumerate(self.tier(key))]
        for (path_a, a), (path_b, b) in combinations(located, 2):
            if a.overlaps(b):
                yield Problem(path_a, str(a), f"overlaps {path_b[0]}[{path_b[1]}] {b}; accepted: disjoint subnets")
