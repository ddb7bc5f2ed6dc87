"""A corpus of nasty input files, generated on demand (nothing big is kept in the repository).

``import_cases(dir)`` and ``scheme_cases(dir)`` write the files into ``dir`` and return what the
tool must do with each: how many documents it must import, whether it must report errors, and
what the error must say (file, line, cause). ``big_line_file`` writes the 50 MB single-line files.
"""

from __future__ import annotations

import codecs
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

SENTENCE = "Le ministre a déclaré que la « fraternité invincible » tiendra. "
ARTICLE = "Titre du jour\n\nLe ministre a parlé à 11 000 soldats. M. Dupont a répondu.\n"


@dataclass
class ImportCase:
    """One nasty file for `annotator import`."""

    name: str
    path: Path
    new: int  # documents that must be imported from it
    errors: int  # problems that must be reported (0: the import must succeed)
    needles: tuple[str, ...] = ()  # words the error lines must contain
    lines: tuple[int, ...] = ()  # line numbers the errors must name
    args: tuple[str, ...] = ()  # extra command-line arguments


@dataclass
class SchemeCase:
    """One nasty scheme file for `annotator scheme check` / `scheme add`."""

    name: str
    path: Path
    ok: bool
    needles: tuple[str, ...] = ()
    lines: tuple[int, ...] = field(default_factory=tuple)


def _w(d: Path, name: str, data: bytes | str) -> Path:
    p = d / name
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        p.write_bytes(data.encode("utf-8"))
    else:
        p.write_bytes(data)
    return p


def _jl(*records: object) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def import_cases(d: Path) -> list[ImportCase]:
    """Write the import corpus into ``d``."""
    rng = random.Random(7)
    cases = [
        ImportCase("utf8-bom", _w(d, "bom8.txt", codecs.BOM_UTF8 + ARTICLE.encode()), 1, 0),
        ImportCase("utf16-bom-le", _w(d, "bom16le.txt", ARTICLE.encode("utf-16")), 1, 0),
        ImportCase("utf16-bom-be", _w(d, "bom16be.txt",
                                      codecs.BOM_UTF16_BE + ARTICLE.encode("utf-16-be")), 1, 0),
        ImportCase("utf16-no-bom", _w(d, "nobom16.txt", ARTICLE.encode("utf-16-le")), 0, 1,
                   ("UTF-16", "--encoding utf-16-le")),
        ImportCase("utf16-no-bom-with-encoding",
                   _w(d, "nobom16b.txt", ("Autre " + ARTICLE).encode("utf-16-le")), 1, 0,
                   args=("--encoding", "utf-16-le")),
        ImportCase("latin-1", _w(d, "latin1.txt", ("Titre\n\nLigne deux.\nL'été à Kyïv? "
                                                   "Non, à Paris.\n").encode("latin-1",
                                                                             "replace")),
                   0, 1, ("not UTF-8", "--encoding"), (4,)),
        ImportCase("latin-1-with-encoding",
                   _w(d, "latin1b.txt", "Titre\n\nL'été arrive. Très chaud.\n".encode("latin-1")),
                   1, 0, args=("--encoding", "latin-1")),
        ImportCase("unknown-encoding", _w(d, "enc.txt", ARTICLE), 0, 1, ("unknown encoding",),
                   args=("--encoding", "klingon-8")),
        ImportCase("nul-late", _w(d, "nul.txt", ("Titre. " * 3000 + "\x00 suite.").encode()),
                   0, 1, ("NUL",)),
        ImportCase("binary", _w(d, "image.txt", b"\x89PNG\r\n\x1a\n" + rng.randbytes(5000)),
                   0, 1, ()),
        ImportCase("empty-txt", _w(d, "empty.txt", b""), 0, 1, ("empty",)),
        ImportCase("empty-jsonl", _w(d, "empty.jsonl", b""), 0, 1, ("empty",)),
        ImportCase("empty-csv", _w(d, "empty.csv", b""), 0, 1, ("empty",)),
        ImportCase("whitespace", _w(d, "blank.txt", " \n\t\r\n  \n"), 0, 1, ("empty",)),
        ImportCase("bom-only", _w(d, "bomonly.txt", codecs.BOM_UTF8), 0, 1, ("empty",)),
        ImportCase("crlf-and-cr", _w(d, "crlf.txt", "Titre\r\n\r\nUne phrase.\rDeux.\r\n"), 1, 0),
        ImportCase(
            "jsonl-truncated-last-line",
            _w(d, "trunc.jsonl", _jl({"text": "Un article."}, {"text": "Un autre article."})
               + '{"text": "Le dernier est coup'),
            2, 1, ("malformed JSON",), (3,),
        ),
        ImportCase(
            "jsonl-deeply-nested",
            _w(d, "deep.jsonl", "[" * 200_000 + "]" * 200_000 + "\n" + _jl({"text": "Ok ici."})),
            1, 1, ("nested",), (1,),
        ),
        ImportCase(
            "jsonl-wrong-shapes",
            _w(d, "shapes.jsonl", _jl([1, 2], "chaîne", None, {"text": 5}, {"title": "x"},
                                      {"text": "   "}, {"text": "Valide enfin."})),
            1, 6, (), (1, 2, 3, 4, 5, 6),
        ),
        ImportCase(
            "jsonl-lone-surrogate",
            _w(d, "surrogate.jsonl", '{"text": "Bonjour \\ud800 monde."}\n'
               + '{"text": "Ok.", "meta": "\\udfff"}\n' + _jl({"text": "Propre."})),
            1, 2, ("surrogate",), (1, 2),
        ),
        ImportCase(
            "jsonl-nul-in-text",
            _w(d, "nulj.jsonl", '{"text": "a\\u0000b"}\n' + _jl({"text": "Sans NUL."})),
            1, 1, ("NUL",), (1,),
        ),
        ImportCase(
            "jsonl-bom-and-crlf",
            _w(d, "bomj.jsonl", codecs.BOM_UTF8
               + _jl({"text": "Premier."}, {"text": "Second."}).replace("\n", "\r\n").encode()),
            2, 0,
        ),
        ImportCase(
            "csv-unbalanced-quotes",
            _w(d, "unbal.csv", 'id,text\n1,"Un texte."\n2,"Deux textes\n3,Trois.\n'),
            1, 1, ("CSV",), (3,),
        ),
        ImportCase(
            "csv-stray-quote-mid-field",
            _w(d, "stray.csv", 'id,text\n1,Un "texte.\n2,Deux.\n'),
            2, 0,  # a quote inside an unquoted field is a literal character
        ),
        ImportCase(
            "csv-wrong-field-count",
            _w(d, "fields.csv", "id,text\n1,Un.\n2,Deux.,en trop\n3\n4,Quatre.\n"),
            2, 2, ("fields",), (3, 4),
        ),
        ImportCase("csv-no-text-column", _w(d, "notext.csv", "id,body\n1,Un.\n"), 0, 1,
                   ("text",), (1,)),
        ImportCase("csv-duplicate-header", _w(d, "duph.csv", "text,text\nUn.,Deux.\n"), 0, 1,
                   ("repeats",), (1,)),
        ImportCase("csv-bom-header", _w(d, "bomh.csv", codecs.BOM_UTF8
                                        + b'text,source\n"Un, deux.",Le Test\nTrois.,X\n'), 2, 0),
        ImportCase("csv-nul", _w(d, "nul.csv", b"text\nUn.\x00\n"), 0, 1, ("NUL",)),
        ImportCase("missing-file", d / "does-not-exist.txt", 0, 1, ("no such file",)),
    ]
    return cases


def unreadable_tree(d: Path) -> tuple[Path, Path, Path]:
    """A directory with a readable article and a file nobody may read (chmod 000)."""
    root = d / "tree"
    good = _w(root, "a/good.txt", ARTICLE.replace("Titre", "Lisible"))
    secret = _w(root, "b/secret.txt", ARTICLE.replace("Titre", "Secret"))
    secret.chmod(0o000)
    return root, good, secret


def big_line_file(d: Path, kind: str, megabytes: int = 50) -> Path:
    """A single line of ``megabytes`` MB of sentences (txt), or one JSON record of that size
    followed by a small valid one (jsonl)."""
    n = megabytes * 1024 * 1024 // len(SENTENCE.encode())
    text = SENTENCE * n
    if kind == "txt":
        return _w(d, "big.txt", text)
    return _w(d, "big.jsonl", _jl({"text": text}, {"text": "Petit article valide."}))


BASE_SCHEME = (
    "name: hostile\nversion: 1\nlanguage: fr\nlabel_sets:\n"
    "  - name: frame\n    level: sentence\n    labels:\n"
)


def _lol() -> str:
    out = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        out += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    return out


def scheme_cases(d: Path) -> list[SchemeCase]:
    """Write the scheme corpus into ``d``."""
    many = BASE_SCHEME + "".join(f"      - name: Label_{i}\n" for i in range(10_000))
    (d / "adir.yaml").mkdir(exist_ok=True)
    return [
        SchemeCase("ten-thousand-labels", _w(d, "many.yaml", many), True),
        SchemeCase("utf8-bom", _w(d, "bom.yaml", codecs.BOM_UTF8
                                  + (BASE_SCHEME + "      - name: A\n").encode()), True),
        SchemeCase("utf16", _w(d, "u16.yaml", (BASE_SCHEME + "      - name: A\n").encode("utf-16")),
                   False, ("UTF-8",)),
        SchemeCase("latin-1", _w(d, "latin1.yaml",
                                 (BASE_SCHEME + "      - name: Sécurité\n").encode("latin-1")),
                   False, ("UTF-8",), (8,)),
        SchemeCase("nul", _w(d, "nul.yaml", BASE_SCHEME.encode() + b"      - name: a\x00b\n"),
                   False, (), (8,)),
        SchemeCase("empty", _w(d, "empty.yaml", b""), False, ("empty",)),
        SchemeCase("deep-flow", _w(d, "deep.yaml", BASE_SCHEME + "      - name: a\n        "
                                   "examples: " + "[" * 20_000 + "]" * 20_000 + "\n"),
                   False, ("nested",)),
        SchemeCase("deep-block", _w(d, "deepb.yaml", "name: x\n" + "".join(
            "  " * i + f"k{i}:\n" for i in range(200))), False, ("nested",)),
        SchemeCase("billion-laughs-first", _w(d, "lol.yaml", _lol() + BASE_SCHEME
                                              + "      - name: A\n"), False, ("aliases",)),
        SchemeCase("billion-laughs-inside", _w(d, "lol2.yaml", BASE_SCHEME
                                               + "      - name: A\n        examples: "
                                               + "[" + ",".join(["*z"] * 3) + "]\n"
                                               + "extra: " + _lol().replace("\n", " ")),
                   False, ()),
        SchemeCase("duplicate-keys", _w(d, "dup.yaml", "name: x\nname: y\nversion: 1\n"
                                        "language: fr\nlabel_sets: []\n"),
                   False, ("duplicate",), (2,)),
        SchemeCase("non-string-keys", _w(d, "keys.yaml", "1: x\n? [a, b]\n: c\nnull: 3\n"
                                         "name: x\n"), False, ("keys must be strings",), (1,)),
        SchemeCase("python-tag", _w(d, "tag.yaml", "!!python/object/apply:os.system "
                                    "['echo pwned']\n"), False, ("tag",)),
        SchemeCase("not-a-mapping", _w(d, "list.yaml", "- a\n- b\n"), False, ("mapping",)),
        SchemeCase("huge-line", _w(d, "huge.yaml", "name: " + "x" * (12 * 1024 * 1024) + "\n"),
                   False, ("MB",)),
        SchemeCase("binary", _w(d, "bin.yaml", random.Random(3).randbytes(4000)), False, ()),
        SchemeCase("directory", (d / "adir.yaml"), False, ()),
    ]
