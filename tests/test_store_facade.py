"""The Store over annotator/db/: a thin holder of the data parts (no method of its own beyond
opening and closing), annotators and schemes listed by one reader each, and opening an
up-to-date database loads neither sqlite-utils nor pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from annotator.store import Store
from tests.safety_helpers import seed

PARTS = ("db", "corpus", "schemes", "annotations", "progress", "adjudications", "columnar",
         "maintenance", "tokens")


def test_store_is_only_its_parts(tmp_path: Path) -> None:
    """Every caller names the part it uses: the facade keeps no delegating aliases."""
    own = {
        n for n, v in vars(Store).items()
        if callable(v) or isinstance(v, classmethod) if not n.startswith("__")
    }
    assert own == {"open", "close", "reopen"}
    with Store.open(tmp_path / "a.db") as store:
        for part in PARTS:
            assert getattr(store, part).db is store.db if part != "db" else True


def test_lists_derive_from_one_reader(tmp_path: Path) -> None:
    with Store.open(tmp_path / "a.db") as store:
        seed(store, n_docs=2)
        for name in ("zoe", "alice", "Bob"):
            store.schemes.annotator_id(name)
        rows = store.schemes.annotators()
        assert [r.name for r in rows] == sorted(r.name for r in rows)
        assert store.schemes.names() == ["safety"]
        [summary] = store.schemes.summary()
        assert (summary["name"], summary["version"], summary["versions"]) == ("safety", 1, 1)
        assert [d["id"] for d in store.corpus.documents()] == store.corpus.document_ids()


def test_opening_an_existing_database_loads_no_sqlite_utils(tmp_path: Path) -> None:
    """sqlite-utils (and pandas, which it imports when installed) load only to migrate."""
    db = tmp_path / "a.db"
    Store.open(db).close()
    code = (
        "import sys\nfrom annotator.store import Store\n"
        f"s = Store.open({str(db)!r}, create=False)\ns.corpus.count_documents()\ns.close()\n"
        "print(','.join(m for m in ('sqlite_utils', 'pandas', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
