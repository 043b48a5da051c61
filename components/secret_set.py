"""SecretSet: the platform's Secrets Manager secrets (docs/requirements.md §6.4), encrypted with the stack key, with
rotation made real."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.aws_context import AwsContext
from components.iam_documents import document, read_secrets_statements, service_trust, statement
from stackconfig.security import SecretSetSettings, SecretSpec

SCHEDULE_ENCRYPTION_CONTEXT = "kms:EncryptionContext:aws:scheduler:schedule:arn"
"""The encryption context EventBridge Scheduler binds a schedule's encrypted payload to."""
GENERATED_LENGTH = 64
"""Characters of a generated value (letters and digits): 64 x ~5.9 bits, well above HS256's 256-bit key."""


@dataclass(frozen=True)
class SecretSetArgs:
    context: AwsContext
    """The account and region of the read grants and the reminder's role."""
    path_prefix: str
    """e.g. `socialclub/production`; every secret is `<path_prefix>/<group>/<name>`."""
    kms_key_arn: pulumi.Input[str]
    """The stack key: encrypts every secret and the reminder's payload."""
    specs: Sequence[SecretSpec]
    """The secrets to create (stackconfig/catalog.py), with who provides each value and how it rotates."""
    settings: SecretSetSettings = field(default_factory=SecretSetSettings)
    """Recovery window, rotation periods and owner, and the values from secret stack config
    (stackconfig/security.py, section `socialclub:secrets`); keys without a value are filled out of band."""


class SecretSet(pulumi.ComponentResource):
    """Secrets named by key; read access is granted per role and per secret with `grant_read`."""

    secrets: dict[str, aws.secretsmanager.Secret]

    def __init__(self, name: str, args: SecretSetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("socialclub:security:SecretSet", name, None, opts)
        self._name = name
        self._args = args
        values = args.settings.values
        unknown = sorted(set(values) - {s.key for s in args.specs})
        if unknown:
            raise ValueError(f"SecretSet {name}: values given for undeclared secrets {unknown}")
        derived = sorted(s.key for s in args.specs if s.source == "program" and s.key in values)
        if derived:
            raise ValueError(f"SecretSet {name}: {derived} are written by the program; give them no value")
        self._valued: set[str] = set()
        self.secrets = {}
        for spec in args.specs:
            tags: dict[str, str] = {"RotationMode": spec.rotation}
            if spec.rotation == "manual":
                tags |= {
                    "RotationDays": str(args.settings.api_key_rotation_days),
                    "RotationOwner": args.settings.rotation_owner,
                }
            self.secrets[spec.key] = aws.secretsmanager.Secret(
                self._child_name(spec.key),
                name=f"{args.path_prefix}/{spec.key}",
                description=spec.description,
                kms_key_id=args.kms_key_arn,
                recovery_window_in_days=args.settings.recovery_window_days,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            if spec.key in values:
                self.set_value(spec.key, values[spec.key])
            elif spec.source == "generated":
                self.set_value(spec.key, self._generate(spec.key))
        self.register_outputs({"arns": {key: s.arn for key, s in self.secrets.items()}})

    def _child_name(self, key: str) -> str:
        return f"{self._name}-{key.replace('/', '-')}"

    def arn(self, key: str) -> pulumi.Output[str]:
        if key not in self.secrets:
            raise KeyError(f"SecretSet {self._name} has no secret {key!r}; it has {sorted(self.secrets)}")
        return self.secrets[key].arn

    def _generate(self, key: str) -> pulumi.Output[str]:
        """A random value kept in state: stable across runs, new only on `pulumi up --replace` of it."""
        return random.RandomPassword(
            f"{self._child_name(key)}-generated",
            length=GENERATED_LENGTH,
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        ).result

    def set_value(self, key: str, value: pulumi.Input[str]) -> aws.secretsmanager.SecretVersion:
        """Store a value the program knows (from secret config, or derived, like the redis URL)."""
        if key in self._valued:
            raise ValueError(f"SecretSet {self._name}: {key!r} already has a value; a secret gets one writer")
        self._valued.add(key)
        return aws.secretsmanager.SecretVersion(
            f"{self._child_name(key)}-value",
            secret_id=self.arn(key),
            secret_string=pulumi.Output.secret(value),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def grant_read(self, role: aws.iam.Role, keys: Sequence[str], label: str) -> aws.iam.RolePolicy:
        """Let `role` read exactly the secrets `keys` (and decrypt them only through Secrets Manager)."""
        ctx = self._args.context
        return aws.iam.RolePolicy(
            f"{self._name}-read-{label}",
            role=role.id,
            policy=document(
                *read_secrets_statements([self.arn(k) for k in sorted(set(keys))], self._args.kms_key_arn, ctx.region)
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def rotate_managed(self, label: str, secret_arn: pulumi.Input[str]) -> aws.secretsmanager.SecretRotation:
        """Rotate a secret that AWS rotates itself (the RDS-managed master password) every
        `settings.database_rotation_days`."""
        return aws.secretsmanager.SecretRotation(
            f"{self._name}-{label}-rotation",
            secret_id=secret_arn,
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=self._args.settings.database_rotation_days
            ),
            # The provider's default (true) rotates the password the moment the schedule is created, while the
            # first tasks start with the password they just read; the first rotation waits for the schedule.
            rotate_immediately=False,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def remind_manual_rotation(self, topic_arn: pulumi.Input[str]) -> aws.scheduler.Schedule | None:
        """Publish, every `settings.api_key_rotation_days`, which third-party secrets are due and who rotates them.

        AWS cannot rotate a Stripe or Twilio key by itself; this schedule makes the 90-day rotation of
        docs/requirements.md §6.4 a visible, owned task instead of a line in a document.
        """
        due = sorted(s.key for s in self._args.specs if s.rotation == "manual")
        if not due:
            return None
        args = self._args
        every, owner = args.settings.api_key_rotation_days, args.settings.rotation_owner
        child = pulumi.ResourceOptions(parent=self)
        role = args.context.role(
            f"{self._name}-rotation-reminder",
            assume_role_policy=service_trust("scheduler.amazonaws.com", source_account=args.context.account_id),
            opts=child,
        )
        message = {
            "subject": f"Secrets due for rotation in {args.path_prefix}",
            "owner": owner,
            "everyDays": every,
            "secrets": [f"{args.path_prefix}/{key}" for key in due],
        }
        # The schedule's payload (the message) is encrypted with the stack key; at each run Scheduler decrypts it
        # with the schedule's role, whose grant below is bound to this schedule by the encryption context
        # Scheduler uses (EventBridge Scheduler user guide: "Encryption at rest", and the identity-based policy
        # examples, which condition the key on kms:EncryptionContext:aws:scheduler:schedule:arn).
        schedule = aws.scheduler.Schedule(
            f"{self._name}-rotation-reminder",
            description=f"Every {every} days: rotate the third-party secrets of {args.path_prefix}",
            schedule_expression=f"rate({every} days)",
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            kms_key_arn=args.kms_key_arn,
            target=aws.scheduler.ScheduleTargetArgs(arn=topic_arn, role_arn=role.arn, input=json.dumps(message)),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{self._name}-rotation-reminder",
            role=role.id,
            policy=document(
                statement(["sns:Publish"], [topic_arn], sid="PublishReminder"),
                statement(
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    [args.kms_key_arn],
                    sid="EncryptedTopic",
                    conditions={"StringEquals": {"kms:ViaService": args.context.service_endpoint("sns")}},
                ),
                statement(
                    ["kms:Decrypt"],
                    [args.kms_key_arn],
                    sid="EncryptedSchedule",
                    conditions={"StringEquals": {SCHEDULE_ENCRYPTION_CONTEXT: schedule.arn}},
                ),
            ),
            opts=child,
        )
        return schedule
