"""Stack configuration: pydantic models of the `socialclub:*` keys and the loader that validates them."""

from stackconfig.loader import ConfigError, load_stack_config, read_pulumi_config
from stackconfig.model import StackConfig

__all__ = ["ConfigError", "StackConfig", "load_stack_config", "read_pulumi_config"]
