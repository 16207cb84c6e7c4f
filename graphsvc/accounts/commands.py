"""`graphsvc user …` and `graphsvc token …`: accounts and API tokens from the command line."""
from __future__ import annotations

import sys

import click

from graphsvc.core.cli_context import CliContext, fail, pass_ctx

# What each command is online, for when the embedded database is held by the running server.
API_EQUIVALENT = {
    "user add": 'POST /api/v1/users {"username": …, "role": …, "scope" or "uscc": …} '
                "(a temporary password is answered once)",
    "user passwd": 'PATCH /api/v1/users/<username> {"reset_password": true}',
    "user disable": 'PATCH /api/v1/users/<username> {"active": false}',
    "user enable": 'PATCH /api/v1/users/<username> {"active": true}',
    "user list": "GET /api/v1/users",
    "token create": 'POST /api/v1/users/<username>/tokens {"days": 90}',
    "token revoke": "GET /api/v1/users/<username>/tokens, then DELETE /api/v1/tokens/<id>",
}


def online(name: str):
    """Wrap a command so that a database in use by the server ends in one line saying how to do
    the same through the API (with an administrator's token) or the page /users."""
    import functools

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            from graphsvc.core.store import StoreError

            try:
                return fn(*args, **kwargs)
            except StoreError as exc:
                if "in use" not in str(exc):
                    raise
                fail(f"{exc}\nWhile the server runs, do the same through the API: {API_EQUIVALENT[name]} "
                     f"— with an administrator's token (Authorization: Bearer …), or on the page /users.")

        return wrapper

    return deco


@click.group()
def user():
    """Accounts: add, disable, enable, list."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["admin", "bureau", "manufacturer", "supplier"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--scope", help="Region code, for bureau accounts (e.g. 330100).")
@click.option("--uscc", help="Enterprise, for manufacturer and supplier accounts.")
@pass_ctx
@online("user add")
def user_add(c: CliContext, username, role, password_stdin, scope, uscc):
    """Add an account USERNAME with a ROLE: admin; bureau with --scope (a region code); manufacturer
    or supplier with --uscc. The password is prompted for (or read with --password-stdin), never
    taken from the command line, where other users and the shell history would see it.

    \b
    Examples:
      graphsvc user add hz_ops --role bureau --scope 330100
      graphsvc user add acme --role manufacturer --uscc <USCC> --password-stdin < pw.txt

    While the server runs (embedded database), use POST /api/v1/users or the page /users instead."""
    from graphsvc.accounts.users import AccountError, add_user

    password = _read_password(password_stdin)
    try:
        acc = add_user(c.store, username, role, password, scope=scope, uscc=uscc, actor="cli")
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"added {acc['username']} ({acc['role']})")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@user.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
@pass_ctx
@online("user passwd")
def user_passwd(c: CliContext, username, password_stdin):
    """Set a user's password (administrator reset); ends every session of the account."""
    from graphsvc.accounts.users import AccountError
    from graphsvc.core.sessions import change_password

    try:
        change_password(c.store, username, "", _read_password(password_stdin), actor="cli", check_current=False)
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"password of {username} changed; its sessions have ended")


def _set_active(c: CliContext, username: str, active: bool) -> None:
    from graphsvc.accounts.users import AccountError, set_active

    try:
        set_active(c.store, username, active, actor="cli")
    except AccountError as exc:
        fail(str(exc))


@user.command("disable")
@click.argument("username")
@pass_ctx
@online("user disable")
def user_disable(c: CliContext, username):
    """Disable an account and revoke its tokens."""
    _set_active(c, username, False)
    click.echo(f"disabled {username} and revoked its tokens")


@user.command("enable")
@click.argument("username")
@pass_ctx
@online("user enable")
def user_enable(c: CliContext, username):
    """Enable a disabled account (its old sessions stay ended)."""
    _set_active(c, username, True)
    click.echo(f"enabled {username}")


@user.command("list")
@pass_ctx
@online("user list")
def user_list(c: CliContext):
    """List accounts: username, role, scope or USCC, state."""
    from graphsvc.accounts.users import list_users

    for u in list_users(c.store):
        click.echo(f"{u['username']}\t{u['role']}\t{u.get('scope') or u.get('uscc') or '-'}\t"
                   f"{'active' if u['active'] else 'disabled'}")


@click.group()
def token():
    """API bearer tokens: create, revoke."""


@token.command("create")
@click.argument("username")
@click.option("--days", type=click.IntRange(min=1), default=90, show_default=True,
              help="Expire after this many days (at least 1).")
@click.option("--no-expiry", is_flag=True, help="A token that never expires (say so explicitly).")
@pass_ctx
@online("token create")
def token_create(c: CliContext, username, days, no_expiry):
    """Create an API token for USERNAME and print it once (only its hash is stored). Send it as
    `Authorization: Bearer <token>`. Expires after --days (default 90) unless --no-expiry.

    While the server runs (embedded database), use POST /api/v1/users/<username>/tokens or the
    page /account/tokens instead."""
    from graphsvc.accounts.users import AccountError, create_token

    days = None if no_expiry else days
    try:
        raw = create_token(c.store, username, days=days, actor="cli")
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"token for {username} (shown once, store it safely):")
    click.echo(raw)


@token.command("revoke")
@click.argument("token_or_username")
@pass_ctx
@online("token revoke")
def token_revoke(c: CliContext, token_or_username):
    """Revoke one token, or every token of a user."""
    from graphsvc.accounts.users import TOKEN_PREFIX, revoke_token

    if token_or_username.startswith(TOKEN_PREFIX):
        n = revoke_token(c.store, raw=token_or_username, actor="cli")
    else:
        n = revoke_token(c.store, username=token_or_username, actor="cli")
    click.echo(f"revoked {n} token(s)")


COMMANDS = [user, token]
