"""What every CLI command shares: the settings and a lazily opened store (flaskr's `get_db`)."""
from __future__ import annotations

import sys

import click

from graphsvc.core import config


class CliContext:
    def __init__(self):
        from graphsvc.core.files import private_umask, tighten

        private_umask()
        self.settings = config.load()
        tighten(self.settings.data_dir)
        self._store = None

    @property
    def store(self):
        # Opened on first use so `--help` and argument errors never touch the database.
        if self._store is None:
            from graphsvc.core.reference_graph import ensure_reference
            from graphsvc.core.store import open_store

            self._store = open_store(self.settings)
            ensure_reference(self._store)
        return self._store


pass_ctx = click.make_pass_decorator(CliContext, ensure=True)


def fail(msg: str, code: int = 2):
    """Print a one-line error and exit with `code` (2: the input or the environment is wrong)."""
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)
