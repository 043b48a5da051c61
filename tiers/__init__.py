"""The stack's tiers in the order of the architecture (docs/requirements.md): each module builds one tier from the
validated stack config and the tiers before it, and returns its components. `__main__.py` calls them in order and
exports the stack outputs; components (components/) never read config, tiers never declare a resource themselves.
"""
