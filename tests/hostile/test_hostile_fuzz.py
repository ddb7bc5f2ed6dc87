"""Hypothesis fuzzing of every importer and of the scheme loader: whatever the bytes, no
exception escapes, every problem is one line naming the file, and the database stays
consistent (no partial document; each sentence is its document's slice)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

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


def _check_store(store: Store, before: int, summary_new: int) -> None:
    assert store.corpus.count_documents() == before + summary_new
    assert check_offsets(store) == []
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
