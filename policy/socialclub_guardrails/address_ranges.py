"""Security group sources as address ranges, not strings: 0.0.0.0/1 + 128.0.0.0/1 is the internet too.

Pure functions. A set of CIDRs is "open to the world" when, once merged and stripped of private and reserved space,
it holds at least as many public addresses as one network of the configured prefix length (a /8 of IPv4 by
default): no single customer, office or partner needs that much, and splitting the internet into pieces does not
make it smaller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, collapse_addresses, ip_network

Network = IPv4Network | IPv6Network

# Space that never routes from the internet to a VPC (RFC 1918, shared CGNAT, loopback, link-local, ULA).
PRIVATE: tuple[Network, ...] = tuple(
    ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)


def parse(cidr: str) -> Network | None:
    """The network of a CIDR as AWS reads it (host bits ignored), or None when it is not one."""
    try:
        return ip_network(cidr.strip(), strict=False)
    except ValueError:
        return None


def _without_private(network: Network) -> list[Network]:
    parts: list[Network] = [network]
    for private in PRIVATE:
        if private.version != network.version:
            continue
        remaining: list[Network] = []
        for part in parts:
            if part.subnet_of(private):  # type: ignore[arg-type]
                continue
            if private.subnet_of(part):  # type: ignore[arg-type]
                remaining.extend(part.address_exclude(private))  # type: ignore[arg-type]
            else:
                remaining.append(part)
        parts = remaining
    return parts


def public_addresses(networks: Iterable[Network], version: int) -> int:
    """How many public addresses of IP `version` the networks admit together (overlaps counted once)."""
    merged = collapse_addresses(n for n in networks if n.version == version)  # type: ignore[misc]
    return sum(part.num_addresses for network in merged for part in _without_private(network))


@dataclass(frozen=True)
class WorldThreshold:
    ipv4_prefix: int = 8
    ipv6_prefix: int = 32

    def is_world(self, networks: Iterable[Network]) -> bool:
        found = list(networks)
        return public_addresses(found, 4) >= 2 ** (32 - self.ipv4_prefix) or public_addresses(found, 6) >= 2 ** (
            128 - self.ipv6_prefix
        )
