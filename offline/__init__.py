"""Running the Pulumi program offline: the mock harness, fake computed attributes, and `make plan`."""
