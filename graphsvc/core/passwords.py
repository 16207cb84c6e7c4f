"""Password and username rules (issue #25 finding 18), as pure checks returning a reason.

>>> password_problem("aaaaaaaaaaaa", "maker")
'password is one character repeated'
>>> password_problem("maker-maker-1", "maker") is None
True
>>> username_problem("a\\tb")
'username may contain only letters, digits, ".", "_", "-" and "@"'
"""
from __future__ import annotations

import functools
import re

MIN_LENGTH = 10
MAX_LENGTH = 256
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")

# This project's own example passwords (and values that appeared as defaults), on top of the
# 30,000 most common passwords of public breach data that zxcvbn ships.
PROJECT_EXAMPLES = frozenset(["graphsvc-change-me", "change-me-now", "graphsvc123", "graphsvc-password"])


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | PROJECT_EXAMPLES


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why `password` is refused, or None when it is acceptable."""
    if not password or not password.strip():
        return "password is blank"
    if len(password) < MIN_LENGTH:
        return f"password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password must have at most {MAX_LENGTH} characters"
    if len(set(password)) == 1:
        return "password is one character repeated"
    low = password.lower()
    if username and (low == username.lower() or username.lower() in low and len(low) - len(username) < 4):
        return "password must not be (or merely extend) the username"
    common = common_passwords()
    if low in common or low.rstrip("!.1") in common:
        return "password is on the list of common passwords"
    return None


def username_problem(username: str) -> str | None:
    if not username or not username.strip():
        return "username is blank"
    if not USERNAME_RE.match(username):
        if len(username) > 64:
            return "username must have at most 64 characters"
        return 'username may contain only letters, digits, ".", "_", "-" and "@"'
    return None
