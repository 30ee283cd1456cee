"""`python -m server make-admin <username-or-email>`: appoint an administrator.

Administrators manage the global exercise library. The public API never makes one
(`register` refuses the ADMIN role); this command, run by whoever operates the database,
is the one way in.
"""

from __future__ import annotations

import logging

import psycopg

log = logging.getLogger(__name__)


class NoSuchAccount(LookupError):
    pass


def make_admin(url: str, login: str) -> str:
    """Give the account with this username or e-mail (any case) the ADMIN role; returns its username."""
    key = login.strip().lower()
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "UPDATE users SET role = 'admin', updated_at = now() "
            "WHERE lower(username) = %(key)s OR lower(email) = %(key)s RETURNING username",
            {"key": key},
        ).fetchone()
    if row is None:
        raise NoSuchAccount(f"no account has the username or e-mail {login!r}")
    log.info("%s is now an administrator", row[0])
    return row[0]
