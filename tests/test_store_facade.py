"""The Store facade over annotator/db/: its aliases reach the parts, the lists derived from one
reader agree with it, and opening an up-to-date database loads neither sqlite-utils nor pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from annotator.store import Store, aliases
from tests.safety_helpers import seed


def test_every_alias_reaches_its_part(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        table = aliases()
        assert len(table) > 90
        for old, (part, new) in table.items():
            assert callable(getattr(getattr(store, part), new)), old
            assert callable(getattr(store, old)), old


def test_lists_derive_from_one_reader(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        seed(store, n_docs=2)
        for name in ("zoe", "alice", "Bob"):
            store.annotator_id(name)
        rows = store.schemes.annotators()
        assert [r.name for r in rows] == sorted(r.name for r in rows) == store.annotator_names()
        assert store.agreement_annotators() == [(r.id, r.name) for r in rows]
        assert store.annotator_ids_by_name() == {r.name: r.id for r in rows}
        assert store.export_annotators() == [
            {"name": r.name, "created_at": r.created_at} for r in rows
        ]
        assert store.agreement_scheme_names() == ["safety"]
        [summary] = store.list_schemes()
        assert (summary["name"], summary["version"], summary["versions"]) == ("safety", 1, 1)
        assert [d["id"] for d in store.export_documents()] == store.corpus.document_ids()


def test_opening_an_existing_database_loads_no_sqlite_utils(tmp_path: Path) -> None:
    """sqlite-utils (and pandas, which it imports when installed) load only to migrate."""
    db = tmp_path / "a.db"
    Store.open(db).close()
    code = (
        "import sys\nfrom annotator.store import Store\n"
        f"s = Store.open({str(db)!r}, create=False)\ns.count_documents()\ns.close()\n"
        "print(','.join(m for m in ('sqlite_utils', 'pandas', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
