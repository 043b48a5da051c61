"""The `socialclub:network` section (VpcSettings): the VPC block and subnet sizes, and the safe defaults."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from stackconfig.network import VpcSettings

AZS = ["us-east-1a", "us-east-1b"]


def settings(cidr: str, subnets: list[str], **others: Any) -> VpcSettings:
    """Two AZs; `subnets` are the six subnets, public, private and data in turn."""
    return VpcSettings.model_validate(
        {
            "cidr": cidr,
            "availabilityZones": AZS,
            "publicSubnets": subnets[0:2],
            "privateSubnets": subnets[2:4],
            "dataSubnets": subnets[4:6],
            **others,
        }
    )


SIX_28 = [f"10.0.0.{16 * i}/28" for i in range(6)]


def test_a_vpc_of_24_with_subnets_of_28_is_the_smallest_accepted() -> None:
    # Subnets: /28 is the smallest block AWS allows; the program wants at least a /24 for the VPC.
    network = settings("10.0.0.0/24", SIX_28)
    assert [str(s) for s in network.public_subnets] == ["10.0.0.0/28", "10.0.0.16/28"]


@pytest.mark.parametrize("cidr", ["10.0.0.0/25", "10.0.0.0/15"])
def test_a_vpc_block_outside_16_to_24_is_refused(cidr: str) -> None:
    with pytest.raises(ValidationError, match=r"accepted: a block between /16 and /24"):
        settings(cidr, [f"10.0.0.{16 * i}/28" for i in range(6)])


def test_a_subnet_smaller_than_28_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"accepted: /28 or larger, the smallest AWS allows"):
        settings("10.0.0.0/24", ["10.0.0.0/29", *SIX_28[1:]])


def test_defaults_are_the_safe_ones() -> None:
    network = settings("10.0.0.0/16", SIX_28)
    # One NAT gateway per AZ keeps egress when an AZ fails (docs/requirements.md §5.1); every flow is logged.
    assert (network.nat_gateways, network.flow_logs_traffic, network.flow_logs_retention_days) == (
        "one-per-az",
        "ALL",
        30,
    )
    assert str(VpcSettings.model_fields["cidr"].default) == "10.0.0.0/16"


def test_fewer_than_two_azs_are_refused() -> None:
    with pytest.raises(ValidationError, match="at least 2 items"):
        VpcSettings.model_validate(
            {"availabilityZones": ["us-east-1a"], "publicSubnets": [], "privateSubnets": [], "dataSubnets": []}
        )
