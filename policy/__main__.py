"""Entry point the Pulumi CLI runs (`python -u -m pulumi.policy <engine> .` in this directory).

Nothing may write to stdout before PolicyPack(...): the CLI reads the gRPC port from the first line.
"""

from typing import TYPE_CHECKING

from pulumi_policy import PolicyPack

if TYPE_CHECKING:
    # Seen from the repository root (mypy, tests) this directory is the namespace package `policy`.
    from policy.socialclub_guardrails import ALL_POLICIES, PACK_NAME, analyzer, initial_config
else:
    # At run time the CLI puts this directory first on sys.path.
    from socialclub_guardrails import ALL_POLICIES, PACK_NAME, analyzer, initial_config

analyzer.install()
PolicyPack(
    name=PACK_NAME,
    policies=ALL_POLICIES,
    initial_config=initial_config(),
    description="SocialClub AWS guardrails: encryption, TLS, multi-AZ, exposure, data protection, IAM, "
    "logging and tagging.",
)
