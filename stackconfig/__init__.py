"""Stack configuration: pydantic models of the `socialclub:*` keys and the loader that validates them."""

from stackconfig.loader import ConfigError, load_settings, load_stack_config
from stackconfig.model import StackConfig

__all__ = ["ConfigError", "StackConfig", "load_settings", "load_stack_config"]
