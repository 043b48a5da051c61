"""The account bootstrap: a separate Pulumi program (project `socialclub-bootstrap`, one stack `account`).

It creates what the main stacks need before their first `pulumi login`: the S3 state bucket, the KMS key used
as their secrets provider, and the account-wide GitHub OIDC provider with a read-only pull-request preview role.
"""
