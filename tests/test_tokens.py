"""Access tokens of `annotator serve` (store.tokens, `annotator tokens`): random, stored only as a
hash, one valid link per person and screen, revocable. The server's use of them (refusals, the
token deciding the annotator in a real browser) is in tests/test_serve.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.store import Store, StoreError


def invoke(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_tokens_are_random_stored_hashed_and_revocable(store: Store) -> None:
    s = store
    first = s.tokens.issue("alice")
    again = s.tokens.issue("alice")  # replaces: the first link stops working
    review = s.tokens.issue("alice", "review")
    assert len({first, again, review}) == 3 and len(again) >= 40
    assert s.tokens.check(first) is None
    grant = s.tokens.check(again, touch=True)
    assert grant is not None and (grant.annotator, grant.role) == ("alice", "annotate")
    lead = s.tokens.check(review)
    assert lead is not None and lead.role == "review"
    dump = json.dumps(s.db.query("SELECT * FROM access_tokens"))
    assert first not in dump and again not in dump and review not in dump
    [row] = [r for r in s.tokens.rows() if r.role == "annotate"]
    assert row.last_used_at is not None and row.revoked_at is None
    assert s.tokens.revoke("alice", "review") == 1
    assert s.tokens.check(review) is None and s.tokens.check(again) is not None
    assert s.tokens.revoke("alice") == 1
    assert s.tokens.rows() == [] and len(s.tokens.rows(include_revoked=True)) == 3
    for bad in ("", "x" * 500, again[:-1]):
        assert s.tokens.check(bad) is None
    with pytest.raises(StoreError, match="unknown role"):
        s.tokens.issue("alice", "admin")
    with pytest.raises(StoreError, match="cannot be empty"):
        s.tokens.issue("  ")


def test_assigned_annotators_only_when_the_database_has_assignments(store: Store) -> None:
    if store.db.table_exists("assignments"):  # a build with campaigns: nobody assigned yet
        assert store.tokens.assigned_annotators() == []
    else:  # a database without campaigns; then one written by a build that has them
        assert store.tokens.assigned_annotators() is None
        store.db.execute(
            "CREATE VIEW assignment_view AS SELECT 'carol' AS annotator UNION ALL "
            "SELECT 'bob' UNION ALL SELECT 'carol'"
        )
        assert store.tokens.assigned_annotators() == ["bob", "carol"]


def test_tokens_command_line(db_path: Path) -> None:
    Store.open(db_path).close()
    db = ["--db", str(db_path)]
    code, out, err = invoke("tokens", "new", "alice", *db, "--url", "https://lab.example/a")
    assert code == 0, err
    assert re.fullmatch(r"https://lab\.example/a/\?token=[\w-]{40,}\n", out)
    code, out, _ = invoke("tokens", "list", *db)
    assert code == 0 and re.search(r"^alice\s+annotate\s+\S+ \S+\s+never$", out, re.M), out
    assert out.splitlines()[0].split() == ["annotator", "screen", "issued", "last", "used"]
    assert invoke("tokens", "revoke", "alice", *db)[1] == "revoked 1 token(s) of alice\n"
    code, _, err = invoke("tokens", "revoke", "alice", *db)
    assert code == 1 and "alice has no valid access token" in err
    assert "no access tokens" in invoke("tokens", "list", *db)[1]
    assert "alice" in invoke("tokens", "list", "--all", *db)[1]
    code, _, err = invoke("tokens", "revoke", "zoe", *db)
    assert code == 1 and "no annotator named 'zoe'" in err
    code, _, err = invoke("tokens", "list", "--db", str(db_path.with_name("missing.db")))
    assert code == 1 and "Traceback" not in err
