"""Stack config validation: every bad value is named by its YAML key path, its value and what is accepted."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from offline.harness import read_stack_settings, run_callable, run_program
from stackconfig import load_stack_config
from tests.support.config import drop_path, errors_for, set_path


def test_both_stack_files_are_valid() -> None:
    for stack in ("staging", "production"):
        config, _ = read_stack_settings(stack)
        settings = {k.removeprefix("socialclub:"): v for k, v in config.items() if k.startswith("socialclub:")}
        loaded = load_stack_config(settings, config["aws:region"])
        assert loaded.environment == stack


BAD_CONFIGS = [
    (
        "unknown environment",
        set_path("environment", "prod"),
        ["socialclub:environment = 'prod': Input should be 'development', 'staging' or 'production'"],
    ),
    (
        "misspelled key",
        set_path("network.natGateway", "single"),
        ["socialclub:network.natGateway = 'single': unknown key; remove it or fix its spelling"],
    ),
    (
        "unknown section",
        set_path("databse", {"multiAz": True}),
        ['socialclub:databse = {"multiAz": true}: unknown key; remove it or fix its spelling'],
    ),
    (
        "missing owner",
        drop_path("owner"),
        ["socialclub:owner: required key is missing"],
    ),
    (
        "subnet outside the VPC",
        set_path("network.publicSubnets", ["10.0.1.0/24", "10.0.2.0/24", "10.1.3.0/24"]),
        ["socialclub:network.publicSubnets[2] = '10.1.3.0/24': outside the VPC; accepted: a subnet of 10.0.0.0/16"],
    ),
    (
        "overlapping subnets",
        set_path("network.dataSubnets", ["10.0.11.0/24", "10.0.22.0/24", "10.0.23.0/24"]),
        [
            "socialclub:network.privateSubnets[0] = '10.0.11.0/24': overlaps dataSubnets[0] 10.0.11.0/24; "
            "accepted: disjoint subnets"
        ],
    ),
    (
        "too few subnets for the AZs",
        set_path("network.privateSubnets", ["10.0.11.0/24", "10.0.12.0/24"]),
        [
            'socialclub:network.privateSubnets = ["10.0.11.0/24", "10.0.12.0/24"]: '
            "accepted: one subnet per availability zone (3)"
        ],
    ),
    (
        "not a CIDR",
        set_path("network.cidr", "10.0.0.0/33"),
        ["socialclub:network.cidr = '10.0.0.0/33': Input is not a valid IPv4 network"],
    ),
    (
        "VPC too small",
        set_path("network.cidr", "10.0.0.0/25"),
        None,  # also makes every subnet fall outside; the first line is the cidr itself
    ),
    (
        "one AZ only",
        set_path("network.availabilityZones", ["us-east-1a"]),
        None,
    ),
    (
        "AZ of another region",
        set_path("network.availabilityZones", ["us-east-1a", "us-east-1b", "us-west-2c"]),
        [
            "socialclub:network.availabilityZones[2] = 'us-west-2c': "
            "accepted: an AZ of aws:region us-east-1 such as us-east-1a"
        ],
    ),
    (
        "duplicate AZ",
        set_path("network.availabilityZones", ["us-east-1a", "us-east-1a", "us-east-1c"]),
        [
            'socialclub:network.availabilityZones = ["us-east-1a", "us-east-1a", "us-east-1c"]: '
            "accepted: distinct AZ names"
        ],
    ),
    (
        "production with a single NAT gateway",
        set_path("network.natGateways", "single"),
        [
            "socialclub:network.natGateways = 'single': production loses egress with one AZ on a single NAT "
            "gateway; accepted: one-per-az"
        ],
    ),
    (
        "NAT strategy misspelled",
        set_path("network.natGateways", "per-az"),
        ["socialclub:network.natGateways = 'per-az': Input should be 'single' or 'one-per-az'"],
    ),
    (
        "retention AWS does not accept",
        set_path("network.flowLogsRetentionDays", 45),
        [
            "socialclub:network.flowLogsRetentionDays = 45: Value error, not a CloudWatch Logs retention; "
            "accepted: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, "
            "2922, 3288, 3653"
        ],
    ),
    (
        "retention not a number",
        set_path("network.flowLogsRetentionDays", "a month"),
        [
            "socialclub:network.flowLogsRetentionDays = 'a month': "
            "Input should be a valid integer, unable to parse string as an integer"
        ],
    ),
    (
        "KMS deletion window too short",
        set_path("kms.deletionWindowDays", 3),
        ["socialclub:kms.deletionWindowDays = 3: Input should be greater than or equal to 7"],
    ),
    (
        "secret recovery window too long",
        set_path("secrets.recoveryWindowDays", 31),
        ["socialclub:secrets.recoveryWindowDays = 31: Input should be less than or equal to 30"],
    ),
    (
        # The program writes the URL itself: a second writer would collide on the secret's version.
        "value for a secret the program writes",
        set_path("secrets.values", {"database/database-url": "postgresql://x", "auth/jwt-secret": "k" * 64}),
        [
            "socialclub:secrets.values.database/database-url = '[secret]': the program writes "
            "database/database-url; accepted keys: auth/jwt-refresh-secret, auth/jwt-secret, "
            "integration/google-maps-key, integration/sendgrid-key, integration/stripe-key, "
            # Not monitoring/sentry-dsn: production manages Sentry, so the program writes the DSN.
            "integration/stripe-webhook-secret, integration/twilio-account-sid, integration/twilio-key, "
            "notifications/slack-webhook-url"
        ],
    ),
    (
        "out-of-band secret that does not exist",
        set_path("secrets.setOutOfBand", ["integration/stripe-key", "integration/paypal-key"]),
        [
            "socialclub:secrets.setOutOfBand[1] = 'integration/paypal-key': not a secret of stackconfig/catalog.py; "
            "accepted keys: auth/jwt-refresh-secret, auth/jwt-secret, "
            "integration/google-maps-key, integration/sendgrid-key, integration/stripe-key, "
            # Not monitoring/sentry-dsn: production manages Sentry, so the program writes the DSN.
            "integration/stripe-webhook-secret, integration/twilio-account-sid, integration/twilio-key, "
            "notifications/slack-webhook-url"
        ],
    ),
    (
        # YAML reads an unquoted 012345678901 as a number and drops the leading zero: the pattern catches it.
        "account id not twelve digits",
        set_path("accountId", "12345678901"),
        ["socialclub:accountId = '12345678901': String should match pattern '^\\d{12}$'"],
    ),
    (
        "name prefix with capitals",
        set_path("namePrefix", "SocialClub"),
        ["socialclub:namePrefix = 'SocialClub': String should match pattern '^[a-z][a-z0-9-]{1,19}$'"],
    ),
    (
        "region set in the wrong namespace",
        set_path("region", "us-east-1"),
        ["socialclub:region: unknown key; the region is set by aws:region"],
    ),
    (
        "region missing",
        lambda settings: ("region", None),
        ["aws:region: required key is missing"],
    ),
    (
        "region malformed",
        lambda settings: ("region", "mars-north"),
        ["aws:region = 'mars-north': String should match pattern '^[a-z]{2}(-gov)?-[a-z]+-\\d$'"],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_is_named_precisely(mutate: Any, expected: list[str] | None) -> None:
    lines = errors_for(mutate)
    assert lines, "a bad config must produce at least one line"
    for line in lines:
        assert line.startswith(("socialclub:", "aws:region")), line
        assert "\n" not in line and "Traceback" not in line
    if expected is not None:
        assert lines == expected


def test_every_problem_gets_its_own_line() -> None:
    def mutate(settings: dict[str, Any]) -> None:
        settings["network"]["publicSubnets"] = ["10.9.1.0/24", "10.9.2.0/24", "10.0.3.0/24"]

    lines = errors_for(mutate)
    assert [line.split(" = ")[0] for line in lines] == [
        "socialclub:network.publicSubnets[0]",
        "socialclub:network.publicSubnets[1]",
    ]


def test_bad_config_stops_the_program_before_any_resource() -> None:
    config, secret_keys = read_stack_settings("production")
    config["socialclub:environment"] = "prod"
    captured: list[str] = []

    def run_main() -> None:
        try:
            run_program("production", config, secret_keys)
        except pulumi.RunError as error:
            captured.append(str(error))

    plan = run_callable(run_main, "production")
    assert captured and "socialclub:environment = 'prod'" in captured[0]
    assert "Traceback" not in captured[0]
    assert plan.resources == []
