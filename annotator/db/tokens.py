"""Access tokens for ``annotator serve``: the link a coder opens decides who they are.

A token is a random URL-safe string (``secrets.token_urlsafe``, 256 bits) handed to one annotator
as part of a link. Only its SHA-256 is stored: the database is copied around (backups, offline
copies, merges) and a copy must not let anyone in. A plain hash is enough because the token is
random and long: there is nothing to guess, so no slow password hash is needed. Looking a token
up by its hash also takes the same time whatever the token, so a wrong guess learns nothing.

The token decides the annotator name and the screen (``annotate``, or ``review`` for a lead):
the browser never says who it is. Revoking keeps the row (``revoked_at``) so ``tokens list``
can say when access ended; a running session of a revoked token is closed by the server
(:meth:`Tokens.check` is asked again while it runs).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, NamedTuple

from annotator.db.connection import Connection, StoreError, now

if TYPE_CHECKING:
    from annotator.db.schemes import Schemes

ROLES = ("annotate", "review")
TOKEN_BYTES = 32


class Grant(NamedTuple):
    """What a valid token lets its holder do: open ``role``'s screen as ``annotator``."""

    token_id: int
    annotator: str
    role: str


class TokenRow(NamedTuple):
    """One issued token, without the secret (it is not stored)."""

    id: int
    annotator: str
    role: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tokens:
    """Access tokens of one database (table ``access_tokens``, migration m006)."""

    def __init__(self, db: Connection, *, schemes: Schemes) -> None:
        self.db = db
        self.schemes = schemes  # annotators are created there, and only there

    def issue(self, annotator: str, role: str = "annotate", *, replace: bool = True) -> str:
        """A new token for ``annotator`` (created if new); returns the secret, which is not
        stored and cannot be shown again. ``replace`` revokes the annotator's earlier tokens of
        the same role in the same transaction, so at most one link per person and screen works."""
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
        name = annotator.strip()
        if not name:
            raise StoreError("an annotator name cannot be empty")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        annotator_id = self.schemes.annotator_id(name)
        with self.db.atomic():
            if replace:
                self._revoke(annotator_id, role)
            self.db.insert(
                "access_tokens",
                {
                    "annotator_id": annotator_id,
                    "role": role,
                    "token_sha256": token_hash(token),
                    "created_at": now(),
                },
            )
        return token

    def check(self, token: str, *, touch: bool = False) -> Grant | None:
        """The grant of a valid (issued, not revoked) token, else None. ``touch`` records the
        time in ``last_used_at`` (when a session starts, not at every re-check)."""
        if not token or len(token) > 200:
            return None
        rows = self.db.query(
            "SELECT t.id, a.name, t.role FROM access_tokens t "
            "JOIN annotators a ON a.id = t.annotator_id "
            "WHERE t.token_sha256 = ? AND t.revoked_at IS NULL",
            [token_hash(token)],
        )
        if not rows:
            return None
        grant = Grant(int(rows[0]["id"]), str(rows[0]["name"]), str(rows[0]["role"]))
        if touch:
            with self.db.atomic():
                self.db.execute(
                    "UPDATE access_tokens SET last_used_at = ? WHERE id = ?",
                    [now(), grant.token_id],
                )
        return grant

    def revoke(self, annotator: str, role: str | None = None) -> int:
        """Revoke the annotator's valid tokens (of one role, or all); returns how many."""
        row = self.db.execute("SELECT id FROM annotators WHERE name = ?", [annotator]).fetchone()
        if row is None:
            raise StoreError(f"no annotator named {annotator!r} in {self.db.path}")
        with self.db.atomic():
            return self._revoke(int(row[0]), role)

    def _revoke(self, annotator_id: int, role: str | None) -> int:
        sql = (
            "UPDATE access_tokens SET revoked_at = ? "
            "WHERE annotator_id = ? AND revoked_at IS NULL"
        )
        params: list[object] = [now(), annotator_id]
        if role is not None:
            sql += " AND role = ?"
            params.append(role)
        return int(self.db.execute(sql, params).rowcount)

    def rows(self, *, include_revoked: bool = False) -> list[TokenRow]:
        """Issued tokens by annotator and role, newest first within each: THE list of tokens."""
        where = "" if include_revoked else "WHERE t.revoked_at IS NULL "
        return [
            TokenRow(
                int(r["id"]), str(r["name"]), str(r["role"]), str(r["created_at"]),
                r["last_used_at"], r["revoked_at"],
            )
            for r in self.db.query(
                "SELECT t.id, a.name, t.role, t.created_at, t.last_used_at, t.revoked_at "
                "FROM access_tokens t JOIN annotators a ON a.id = t.annotator_id "
                f"{where}ORDER BY a.name, t.role, t.id DESC"
            )
        ]

    def assigned_annotators(self) -> list[str] | None:
        """Annotators with a current campaign assignment, by name: whom ``annotator serve``
        invites when no ``--annotators`` are named. Read from ``assignment_view``, the public
        view of ``annotator assign`` (migration m004), so this works on a database that has it
        whatever the branch of the code; None when the database has no assignments."""
        if "assignment_view" not in self.db.view_names():
            return None
        return [
            str(r[0])
            for r in self.db.execute(
                "SELECT DISTINCT annotator FROM assignment_view ORDER BY annotator"
            )
        ]
