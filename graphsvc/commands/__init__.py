"""CLI command modules: each defines `register(cli)` adding its commands to the group."""
