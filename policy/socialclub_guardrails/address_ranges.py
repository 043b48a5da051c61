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


def _public_size(network: Network) -> int:
    # The private blocks are disjoint CIDRs, so each one either holds the network, lies inside it, or misses it.
    size = network.num_addresses
    for private in PRIVATE:
        if private.version == network.version and network.overlaps(private):
            size -= min(network.num_addresses, private.num_addresses)
    return size


def public_addresses(networks: Iterable[Network], version: int) -> int:
    """How many public addresses of IP `version` the networks admit together (overlaps counted once)."""
    found = list(networks)
    if version == 4:
        merged: list[Network] = list(collapse_addresses(n for n in found if isinstance(n, IPv4Network)))
    else:
        merged = list(collapse_addresses(n for n in found if isinstance(n, IPv6Network)))
    return sum(_public_size(n) for n in merged)


@dataclass(frozen=True)
class WorldThreshold:
    ipv4_prefix: int = 8
    ipv6_prefix: int = 32

    def is_world(self, networks: Iterable[Network]) -> bool:
        found = list(networks)
        ipv4 = public_addresses(found, 4) >= 1 << (32 - self.ipv4_prefix)
        return ipv4 or public_addresses(found, 6) >= 1 << (128 - self.ipv6_prefix)
