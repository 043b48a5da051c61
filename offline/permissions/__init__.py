"""The IAM permissions `pulumi preview`/`pulumi up` and the CI jobs need, checked offline against each CI role's
effective policy: the table (`required.toml`), the stored AWS managed policies (`managed/`), the evaluator, and
`python -m offline.permissions --stack <stack>`."""
