"""The infrastructure repository's delivery settings: run by a repository administrator after the stacks exist.

A project of its own, not part of the bootstrap: the bootstrap runs before any stack, and these settings are
made of the stacks' outputs (each environment's infra-deploy role, the API URLs), read with stack references,
so they follow the stacks on every run instead of being copied by hand.
"""

import sys
from pathlib import Path

# `pulumi up` runs this file with github/ as the program directory; the imports below need the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi
import pulumi_github as github
import yaml

from github.config import GithubConfigError, read_github_config
from github.delivery import DeployEnvironment, GithubDelivery, GithubDeliveryArgs, required_checks

ROOT = Path(__file__).resolve().parent.parent
PULL_REQUEST_WORKFLOW = ROOT / ".github" / "workflows" / "pull-request.yml"


def project_name(directory: Path) -> str:
    return str(yaml.safe_load((directory / "Pulumi.yaml").read_text())["name"])


try:
    config = read_github_config()
except GithubConfigError as error:
    raise pulumi.RunError(f"invalid GitHub config:\n{error}") from None

provider = github.Provider(
    "github",
    owner=config.owner,
    token=pulumi.Output.secret(config.token.get_secret_value()) if config.token else None,
)
opts = pulumi.ResourceOptions(providers=[provider])
lookup = pulumi.InvokeOutputOptions(provider=provider)


def stack(project: str, name: str) -> pulumi.StackReference:
    return pulumi.StackReference(f"{config.stack_reference_prefix}/{project}/{name}")


main_project = project_name(ROOT)
bootstrap = stack(project_name(ROOT / "bootstrap"), config.bootstrap_stack)
environments: list[DeployEnvironment] = []
api_urls: dict[str, pulumi.Input[str]] = {}
for env_name, env in config.environments.items():
    outputs = stack(main_project, config.stack_of(env_name))
    reviewers = env.reviewers
    environments.append(
        DeployEnvironment(
            name=env_name,
            branch=env.branch,
            # Environment variables take precedence over the repository's in the deploy job of this environment.
            variables={
                "AWS_INFRA_DEPLOY_ROLE_ARN": outputs.require_output("infraDeployRoleArn"),
                "AWS_REGION": outputs.require_output("awsRegion"),
            },
            reviewer_team_ids=[
                github.get_team_output(slug=team, summary_only=True, opts=lookup).id.apply(int)
                for team in (reviewers.teams if reviewers else [])
            ],
            reviewer_user_ids=[
                github.get_user_output(username=user, opts=lookup).id.apply(int)
                for user in (reviewers.users if reviewers else [])
            ],
        )
    )
    # deploy-<stack>.yml bakes it into the frontend build (VITE_API_URL).
    api_urls[f"{env_name.upper()}_API_URL"] = outputs.require_output("apiUrl")
if config.drift_environment is not None:
    # drift.yml assumes AWS_PREVIEW_ROLE_ARN: in the drift environment that is the bootstrap's drift role, which
    # may read every stack (the pull requests' preview role reads staging only).
    environments.append(
        DeployEnvironment(
            name=config.drift_environment,
            branch=config.drift_branch,
            variables={"AWS_PREVIEW_ROLE_ARN": bootstrap.require_output("driftRoleArn")},
        )
    )

delivery = GithubDelivery(
    "delivery",
    GithubDeliveryArgs(
        repository=config.name,
        environments=environments,
        variables={
            "AWS_REGION": bootstrap.require_output("awsRegion"),
            "PULUMI_BACKEND_URL": bootstrap.require_output("backendUrl"),
            "AWS_PREVIEW_ROLE_ARN": bootstrap.require_output("previewRoleArn"),
            "APP_REPOSITORY": config.app_repository,
            **api_urls,
        },
        protected_branches=sorted({env.branch for env in config.environments.values()}),
        required_checks=required_checks(PULL_REQUEST_WORKFLOW),
        required_approvals=config.branch_protection.required_approvals,
    ),
    opts,
)
pulumi.export("environments", [env.name for env in environments])
pulumi.export("requiredChecks", required_checks(PULL_REQUEST_WORKFLOW))
