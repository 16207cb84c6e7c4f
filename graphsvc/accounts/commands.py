"""`graphsvc user …` and `graphsvc token …`: accounts and API tokens from the command line."""
from __future__ import annotations

import click

from graphsvc.core.cli_context import CliContext, fail, pass_ctx


@click.group()
def user():
    """Accounts: add, disable, enable, list."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["admin", "bureau", "manufacturer", "supplier"]))
@click.option("--password", required=True)
@click.option("--scope", help="Region code, for bureau accounts (e.g. 330100).")
@click.option("--uscc", help="Enterprise, for manufacturer and supplier accounts.")
@pass_ctx
def user_add(c: CliContext, username, role, password, scope, uscc):
    from graphsvc.accounts.users import AccountError, add_user

    try:
        acc = add_user(c.store, username, role, password, scope=scope, uscc=uscc, actor="cli")
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"added {acc['username']} ({acc['role']})")


def _set_active(c: CliContext, username: str, active: bool) -> None:
    from graphsvc.accounts.users import AccountError, set_active

    try:
        set_active(c.store, username, active, actor="cli")
    except AccountError as exc:
        fail(str(exc))


@user.command("disable")
@click.argument("username")
@pass_ctx
def user_disable(c: CliContext, username):
    """Disable an account and revoke its tokens."""
    _set_active(c, username, False)
    click.echo(f"disabled {username} and revoked its tokens")


@user.command("enable")
@click.argument("username")
@pass_ctx
def user_enable(c: CliContext, username):
    _set_active(c, username, True)
    click.echo(f"enabled {username}")


@user.command("list")
@pass_ctx
def user_list(c: CliContext):
    from graphsvc.accounts.users import list_users

    for u in list_users(c.store):
        click.echo(f"{u['username']}\t{u['role']}\t{u.get('scope') or u.get('uscc') or '-'}\t"
                   f"{'active' if u['active'] else 'disabled'}")


@click.group()
def token():
    """API bearer tokens: create, revoke."""


@token.command("create")
@click.argument("username")
@click.option("--days", type=int, help="Expire after this many days.")
@pass_ctx
def token_create(c: CliContext, username, days):
    from graphsvc.accounts.users import AccountError, create_token

    try:
        raw = create_token(c.store, username, days=days, actor="cli")
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"token for {username} (shown once, store it safely):")
    click.echo(raw)


@token.command("revoke")
@click.argument("token_or_username")
@pass_ctx
def token_revoke(c: CliContext, token_or_username):
    """Revoke one token, or every token of a user."""
    from graphsvc.accounts.users import TOKEN_PREFIX, revoke_token

    if token_or_username.startswith(TOKEN_PREFIX):
        n = revoke_token(c.store, raw=token_or_username, actor="cli")
    else:
        n = revoke_token(c.store, username=token_or_username, actor="cli")
    click.echo(f"revoked {n} token(s)")


COMMANDS = [user, token]
