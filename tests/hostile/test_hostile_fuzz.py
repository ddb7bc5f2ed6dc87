"""Hypothesis fuzzing of every importer and of the scheme loader: whatever the bytes, no
exception escapes, every problem is one line naming the file, and the database stays
consistent (no partial document; each sentence is its document's slice)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import cli
from annotator.services.doctor import check_offsets
from annotator.services.importing import import_paths
from annotator.store import Store
from tests.hostile import BASE_SCHEME

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Text that looks like articles: French letters, quotes, punctuation, line breaks, and the odd
# control character, surrogate escape or BOM.
article_text = st.text(
    alphabet=st.sampled_from([*"abcdeéèàçôÉ MmDr.?!…«»\"',;:0123456789\n\r\t\u00a0\u202f",
                              "\ufeff", "\x00", "\u2028", "\x85", "\u0301", "\U0001f600"]),
    max_size=400,
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | article_text,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["text", "title", "id", "source", "url", "published",
                                       "language", "x"]), children, max_size=5),
    max_leaves=12,
)


def _lines_of(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


jsonl_body = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"text": article_text}, optional={"title": json_value, "source": json_value}
        ).map(_lines_of),
        json_value.map(_lines_of),
        st.text(max_size=80),  # not JSON at all
        st.just('{"text": "Bonjour \\ud800"}'),
        st.just('{"text": "coupé'),
    ),
    max_size=8,
).map("\n".join)
csv_body = st.lists(
    st.lists(st.one_of(article_text, st.sampled_from(['"', '""', ",", "\n", '"a,b"'])),
             min_size=1, max_size=4).map(",".join),
    max_size=6,
).map(lambda rows: "\n".join(["text,source,id", *rows]))


def _encode(text: str, how: str) -> bytes:
    if how == "utf-8":
        return text.encode("utf-8", "surrogatepass")
    if how == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    return text.encode("latin-1", "replace")


def _check_store(store: Store, before: int, summary_new: int, *, spans: bool = True) -> None:
    """``spans``: also no span outside its sentence (the export fixture has a span that runs on
    into the next sentence, as SemEval spans may, which doctor reports)."""
    assert store.corpus.count_documents() == before + summary_new
    assert [f for f in check_offsets(store) if spans or f.check != "span-offsets"] == []
    assert store.db.scalar("SELECT count(*) FROM sentences WHERE document_id NOT IN "
                        "(SELECT id FROM documents)") == 0


def _fuzz_import(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / f"fuzz{suffix}"
        src.write_bytes(data)
        with Store.open(Path(d) / "a.db") as store:
            summary = import_paths(store, [src])
            for p in summary.problems:
                line = str(p)
                assert "\n" not in line and line.startswith(str(src)), line
            _check_store(store, 0, summary.new)
            again = import_paths(store, [src])
            assert again.new == 0 and again.present == summary.new + summary.present
            assert len(again.problems) == len(summary.problems)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([".txt", ".jsonl", ".csv"]))
def test_random_bytes_import(data: bytes, suffix: str) -> None:
    _fuzz_import(data, suffix)


@FUZZ
@given(article_text, st.sampled_from(["utf-8", "bom", "utf-16", "latin-1"]))
def test_random_text_import(text: str, how: str) -> None:
    _fuzz_import(_encode(text, how), ".txt")


@FUZZ
@given(jsonl_body, st.sampled_from(["utf-8", "bom", "utf-16"]))
def test_random_jsonl_import(body: str, how: str) -> None:
    _fuzz_import(_encode(body, how), ".jsonl")


@FUZZ
@given(csv_body, st.sampled_from(["utf-8", "bom"]))
def test_random_csv_import(body: str, how: str) -> None:
    _fuzz_import(_encode(body, how), ".csv")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([".txt", ".jsonl", ".csv"]),
       st.binary(max_size=600) | jsonl_body.map(str.encode))
def test_random_input_through_the_cli(suffix: str, data: bytes) -> None:
    """The command line itself: exit 0 or 1, never a traceback, one line per problem."""
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / f"fuzz{suffix}"
        src.write_bytes(data)
        res = CliRunner().invoke(cli, ["import", str(src), "--db", str(Path(d) / "a.db")])
        assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
        assert res.exit_code in (0, 1)
        assert "Traceback" not in res.output
        assert all(ln.startswith(f"error: {src}") for ln in res.stderr.splitlines())


# ------------------------------------------------------------------------------- schemes
yaml_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20),
    st.sampled_from(["sentence", "span", "document", "nominal", "ordinal", "#e45756", "j", "*a",
                     "&a x", "!!python/name:os.system", "{", "[", "'", '"', ": ", "- "]),
)
yaml_tree = st.recursive(
    yaml_scalar,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(["name", "version", "language", "label_sets", "level", "labels", "key",
                         "color", "multiple", "scale", "required", "description", "examples",
                         "cues", "nmae", "lables"]) | st.integers() | st.none(),
        children, max_size=6),
    max_leaves=25,
)


def _check_scheme_text(text: str) -> None:
    from annotator.core.scheme import SchemeError, check_scheme, parse_scheme

    scheme, problems = check_scheme(text, "fuzz.yaml")
    for p in problems:
        s = str(p)
        assert s.startswith("fuzz.yaml:") and "\n" not in s, s
    assert (scheme is None) == bool(problems) or scheme is not None
    try:
        parse_scheme(text, "fuzz.yaml")
    except SchemeError as exc:
        assert str(exc)


SCHEME_FUZZ = settings(max_examples=300, deadline=None,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SCHEME_FUZZ
@given(st.text(max_size=500))
def test_random_text_scheme(text: str) -> None:
    _check_scheme_text(text)


@SCHEME_FUZZ
@given(yaml_tree)
def test_random_yaml_structure_scheme(tree: object) -> None:
    import yaml

    _check_scheme_text(yaml.safe_dump(tree, allow_unicode=True))


@SCHEME_FUZZ
@given(st.lists(st.sampled_from([
    "  - name: A\n", "      - name: B\n        key: x\n", "        color: red\n", "x: &a [1]\n",
    "y: *a\n", "    level: span\n", "\t", "name: dup\n", "? [a]\n: b\n", "---\n", "...\n",
    "'unterminated\n", "{a: 1\n", "    labels: []\n", "!!binary aGVsbG8=\n", "\ufeff",
]), max_size=12).map("".join))
def test_spliced_scheme_fragments(tail: str) -> None:
    _check_scheme_text(BASE_SCHEME + tail)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=800) | yaml_tree.map(lambda t: __import__("yaml").safe_dump(t).encode()))
def test_random_scheme_through_the_cli(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "s.yaml"
        src.write_bytes(data)
        db = Path(d) / "a.db"
        for args in (["scheme", "check", str(src)], ["scheme", "add", str(src), "--db", str(db)]):
            res = CliRunner().invoke(cli, args)
            assert res.exception is None or isinstance(res.exception, SystemExit), \
                repr(res.exception)
            assert res.exit_code in (0, 1, 2) and "Traceback" not in res.output


# ------------------------------------------------------------- import-annotations and merge
_TEMPLATE: list[tuple[Path, list[Any]]] = []


def _template() -> tuple[Path, list[Any]]:
    """The export fixture's database and its JSONL export (built once per process)."""
    if not _TEMPLATE:
        from annotator.services.export import exporter
        from annotator.services.export.common import Selection
        from tests.export_fixture import build_template

        d = Path(tempfile.mkdtemp(prefix="fuzz-template-"))
        path = build_template(d)
        out = d / "e.jsonl"
        with Store.open(path) as s:
            exporter("jsonl")(s, out, Selection(), warn=lambda _m: None)
        _TEMPLATE.append((path, [json.loads(ln) for ln in out.read_text("utf-8").splitlines()]))
    return _TEMPLATE[0]


nasty_value = st.one_of(
    json_value,
    st.sampled_from(["", " ", "../../x", "/tmp/x", ".", "a\tb", "a\nb", "\x1b]0;t\x07", "\u202e",
                     "Political", "Loaded_Language", "favor", "frame", "technique", "stance",
                     "span", "sentence", "document", "done", "seen", "bogus", "alice"]),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([10**30, -1, 0, 1, 2, 3, 200, 10**9, 1.5, True, False, None, [], {}]),
)


def _containers(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)):
                out += _containers(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            if isinstance(v, (dict, list)):
                out += _containers(v, (*path, i))
    return out


def _at(obj: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        obj = obj[k]
    return obj


def _mutate(records: list[Any], data: st.DataObject) -> None:
    """One to three edits anywhere in the records: a value replaced, a key deleted, an item
    duplicated."""
    for _ in range(data.draw(st.integers(1, 3))):
        rec = records[data.draw(st.integers(0, len(records) - 1))]
        where = data.draw(st.sampled_from(_containers(rec)))
        node = _at(rec, where)
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            continue
        key = data.draw(st.sampled_from(keys))
        how = data.draw(st.sampled_from(["set", "set", "set", "delete", "duplicate"]))
        if how == "set":
            node[key] = data.draw(nasty_value)
        elif how == "delete":
            del node[key]
        elif isinstance(node, list):
            node.append(json.loads(json.dumps(node[key])))


def _names_are_safe(store: Store) -> None:
    from annotator.core.untrusted import name_problem
    from annotator.services.doctor import check_labels

    for a in store.schemes.annotators():
        assert name_problem(a.name) is None, a.name
    assert check_labels(store) == []
    assert store.db.scalar("PRAGMA foreign_key_check") is None
    assert store.db.scalar("SELECT count(*) FROM progress WHERE status NOT IN ('seen', 'done') "
                           "OR typeof(seconds) NOT IN ('real', 'integer')") == 0


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_random_import_annotations(data: st.DataObject) -> None:
    """Any edit of a JSONL export: imported whole, or refused whole with FILE:LINE lines;
    never an exception, never a row the annotation screen could not have made."""
    from annotator.services.import_annotations import AnnotationImportError
    from annotator.services.import_jsonl import import_jsonl

    _, lines = _template()
    records = json.loads(json.dumps(lines))
    _mutate(records, data)
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "e.jsonl"
        src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                       "utf-8", errors="surrogatepass")
        with Store.open(Path(d) / "a.db") as store:
            try:
                import_jsonl(store, src)
            except AnnotationImportError as exc:
                for p in exc.problems:
                    assert p.startswith(f"{src}") and "\n" not in p, p
                assert store.corpus.count_documents() == 0
                assert store.db.scalar("SELECT count(*) FROM annotations") == 0
            _check_store(store, 0, store.corpus.count_documents(), spans=False)
            _names_are_safe(store)


_COLUMNS = {
    "annotations": ["label_set", "label", "level", "sentence_id", "document_id", "start", "end",
                    "value", "created_at", "uid", "annotator_id", "scheme_id"],
    "annotators": ["name"],
    "progress": ["status", "seconds", "flag", "sentence_id", "note", "done_scheme_id"],
    "document_progress": ["status", "flag", "document_id"],
    "events": ["action", "sentence_id", "document_id", "before", "after", "ts", "undo_of",
               "annotation_uid"],
    "sentences": ["idx", "start", "end", "text"],
    "adjudications": ["label_set", "level", "status", "choice", "sources", "sentence_id"],
    "gold": ["label", "label_set", "start", "end", "level"],
    "schemes": ["version", "name", "yaml"],
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(sorted(_COLUMNS)), st.integers(1, 30), st.data()),
                min_size=1, max_size=3))
def test_random_merge(edits: list[tuple[str, int, st.DataObject]]) -> None:
    """A source database with any row edited (as an old version or a colleague could leave
    it): merged whole, or refused in one line naming the source; the source is never written,
    the target keeps only what the screen could have made."""
    import shutil
    import sqlite3

    from annotator.services.merge import merge_database
    from annotator.store import StoreError

    template, _ = _template()
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "source.db"
        shutil.copyfile(template, src)
        conn = sqlite3.connect(src)
        for table, rowid, data in edits:
            column = data.draw(st.sampled_from(_COLUMNS[table]))
            value = data.draw(nasty_value.filter(lambda v: not isinstance(v, (list, dict))))
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                value = str(value)
            try:
                conn.execute(f'UPDATE {table} SET "{column}" = ? WHERE rowid = ?', [value, rowid])
            except sqlite3.DatabaseError:
                pass  # a constraint of the schema refused it: the database stays as it was
        conn.commit()
        conn.close()
        before = src.read_bytes()
        with Store.open(Path(d) / "t.db") as target:
            try:
                merge_database(target, src)
            except StoreError as exc:
                msg = str(exc)
                assert msg.startswith(f"{src}: ") and "\n" not in msg, msg
                assert target.corpus.count_documents() == 0
            _check_store(target, 0, target.corpus.count_documents(), spans=False)
            _names_are_safe(target)
        assert src.read_bytes() == before
