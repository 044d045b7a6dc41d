"""The `algo` command line."""
