"""Build the reference app from a checked configuration: two stacks per environment, tags, validations."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from mantlekit.constructs import COST_CENTER_TAG_KEY, MantleLintPlugin
from stacks.config import AppConfig, EnvironmentConfig
from stacks.mantle import MantleStack
from stacks.network import NetworkStack

APP_TAG = ("mantlekit:app", "reference")
ENVIRONMENT_TAG_KEY = "mantlekit:environment"
#: Projects carry their own cost center (MantleProject(cost_center=...)); the environment's tag skips them.
PROJECT_TYPE = "AWS::BedrockMantle::Project"


@dataclass(frozen=True)
class EnvironmentStacks:
    network: NetworkStack
    mantle: MantleStack


def stack_names(env_name: str) -> tuple[str, str]:
    """Stack names of an environment: ``mantlekit-<env>-network`` and ``mantlekit-<env>-mantle``
    (deploy one environment with ``cdk deploy 'mantlekit-<env>-*'``)."""
    return f"mantlekit-{env_name}-network", f"mantlekit-{env_name}-mantle"


def build_environment(app: cdk.App, config: EnvironmentConfig) -> EnvironmentStacks:
    network_name, mantle_name = stack_names(config.name)
    network = NetworkStack(app, network_name, config=config)
    mantle = MantleStack(app, mantle_name, config=config, network=network)
    for stack in (network, mantle):
        tags = cdk.Tags.of(stack)
        tags.add(*APP_TAG)
        tags.add(ENVIRONMENT_TAG_KEY, config.name)
        for key, value in config.tags.items():
            tags.add(key, value)
        if config.cost_center is not None:
            tags.add(COST_CENTER_TAG_KEY, config.cost_center, exclude_resource_types=[PROJECT_TYPE])
    return EnvironmentStacks(network, mantle)


def add_validations(app: cdk.App) -> None:
    """cdk-nag's AwsSolutions pack and mantle-lint, both as CDK policy-validation plugins (run at synth)."""
    from cdk_nag import AwsSolutionsChecks  # loads cdk-nag's jsii assembly: only when the plugins run

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), MantleLintPlugin())


def build_app(app: cdk.App, config: AppConfig, *, validations: bool = True) -> dict[str, EnvironmentStacks]:
    """Every environment of ``config`` in ``app``; returns the stacks by environment name."""
    stacks = {env.name: build_environment(app, env) for env in config.environments}
    if validations:
        add_validations(app)
    return stacks
