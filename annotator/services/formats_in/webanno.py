"""INCEpTION / WebAnno TSV 3 in: a ``.tsv`` file, or a folder searched for them (an INCEpTION
project export's ``annotation/<document>/<user>.tsv``).

Span layers (``#T_SP=layer|feature|...``) are read; chain and relation layers, which come after
them, are ignored. A layer's ``label`` feature (else ``value``, else its first feature) is the
label, a ``note`` feature the note; the layer's short name (``webanno.custom.PrimaryFrame``)
names the label set (matched to the scheme's sets ignoring case and separators). The text is
``../../source/<document>`` when the export has it, else rebuilt from the ``#Text=`` lines at
their tokens' offsets. The annotator is ``--annotator``, else the file name (the INCEpTION
user).
"""

from __future__ import annotations

import re
from pathlib import Path

from annotator.services.formats_in.common import ForeignDoc, ForeignWork, Item, read_lines

ID = re.compile(r"^(.*?)(?:\[(\d+)\])?$", re.S)


def unescape(value: str) -> str:
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            if nxt == "-" and value[i + 2:i + 3] == ">":
                out.append("->")
                i += 3
                continue
            out.append({"t": "\t", "n": "\n"}.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def split_stacked(cell: str) -> list[str]:
    """``A[1]|B\\|C[2]`` -> ``["A[1]", "B\\|C[2]"]`` (escaped bars stay)."""
    parts, cur, i = [], "", 0
    while i < len(cell):
        if cell[i] == "\\" and i + 1 < len(cell):
            cur += cell[i:i + 2]
            i += 2
            continue
        if cell[i] == "|":
            parts.append(cur)
            cur = ""
        else:
            cur += cell[i]
        i += 1
    parts.append(cur)
    return parts


def read(
    path: Path, problems: list[str], warnings: list[str], annotator: str | None = None
) -> list[ForeignDoc]:
    if path.is_dir():
        out = []
        for f in sorted(path.rglob("*.tsv")):
            out += read(f, problems, warnings, annotator)
        return out
    lines = read_lines(path, problems)
    if lines is None:
        return []
    if not lines[0].startswith("#FORMAT=WebAnno TSV 3"):
        problems.append(f"{path}:1: not WebAnno TSV 3 (no `#FORMAT=WebAnno TSV 3.x` line)")
        return []
    layers: list[tuple[str, list[str]]] = []
    for line in lines[1:]:
        if line.startswith("#T_SP="):
            name, *features = line[6:].split("|")
            layers.append((name, features or ["value"]))
        elif not line.startswith("#T_"):
            break
    columns: list[tuple[str, str]] = [(name, f) for name, feats in layers for f in feats]
    texts: list[tuple[int, str]] = []  # (line, #Text) per sentence
    tokens: list[tuple[int, int, int, str, list[str]]] = []  # line, begin, end, form, cells
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        if line.startswith("#Text="):
            if texts and texts[-1][0] == lineno - 1 - texts[-1][1].count("\n"):
                texts[-1] = (texts[-1][0], texts[-1][1] + "\n" + unescape(line[6:]))
            else:
                texts.append((lineno, unescape(line[6:])))
            continue
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if cols and cols[-1] == "":
            cols = cols[:-1]  # the writer's trailing tab
        m = re.fullmatch(r"(\d+)-(\d+)", cols[1]) if len(cols) >= 3 else None
        if m is None or len(cols) < 3 + len(columns):
            problems.append(f"{path}:{lineno}: not a token line (sentence-token, begin-end, "
                            f"token and {len(columns)} feature column(s))")
            continue
        tokens.append((lineno, int(m.group(1)), int(m.group(2)), unescape(cols[2]),
                       cols[3:3 + len(columns)]))
    text = _text(path, texts, tokens, problems)
    if text is None:
        return []
    doc_dir = path.parent.name
    doc = ForeignDoc(str(path), text, {"id": doc_dir[:-4] if doc_dir.endswith(".txt")
                                       else doc_dir})
    work = ForeignWork(annotator or path.stem)
    doc.works.append(work)
    spans: dict[tuple[str, str], Item] = {}  # (layer, id) -> item
    order: list[Item] = []
    for lineno, begin, end, form, cells in tokens:
        if text[begin:end] != form:
            problems.append(f"{path}:{lineno}: token {form!r} is not the text at {begin}-{end}")
            continue
        values: dict[tuple[str, str], dict[str, str]] = {}
        for (layer, feature), cell in zip(columns, cells, strict=True):
            if cell == "_":
                continue
            for k, part in enumerate(split_stacked(cell)):
                m = ID.match(part)
                assert m is not None
                key = (layer, m.group(2) or f"single-{lineno}-{k}")
                values.setdefault(key, {})[feature] = m.group(1)
        for key, feats in values.items():
            item = spans.get(key)
            if item is None:
                label = feats.get("label") or feats.get("value") or next(iter(feats.values()))
                note = feats.get("note")
                item = Item(unescape(label), begin, end, key[0].rsplit(".", 1)[-1],
                            None if note in (None, "*") else unescape(note), f"{path}:{lineno}")
                spans[key] = item
                order.append(item)
            item.end = end
    work.items = [i for i in order if i.label and i.label != "*"]
    return [doc]


def _text(path: Path, texts: list[tuple[int, str]],
          tokens: list[tuple[int, int, int, str, list[str]]], problems: list[str]) -> str | None:
    source = path.parents[2] / "source" / path.parent.name if len(path.parents) > 2 else None
    if source is not None and source.is_file():
        try:
            return source.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{source}: cannot read ({exc})")
            return None
    # rebuild: each sentence's text at its first token's offset
    chars: dict[int, str] = {}
    t = 0
    for i, (_line, sent) in enumerate(texts):
        nxt = texts[i + 1][0] if i + 1 < len(texts) else 1 << 60
        first = next((tok for tok in tokens[t:] if tok[0] < nxt), None)
        if first is None:
            continue
        offset = first[1] - max(0, sent.find(first[3]))
        for k, ch in enumerate(sent):
            chars[offset + k] = ch
        while t < len(tokens) and tokens[t][0] < nxt:
            t += 1
    if not chars:
        problems.append(f"{path}: no sentence text (#Text=) found")
        return None
    length = max(chars) + 1
    out = []
    for i in range(length):
        if i in chars:
            out.append(chars[i])
        else:
            gap_start = i
            while gap_start - 1 >= 0 and gap_start - 1 not in chars:
                gap_start -= 1
            out.append(" " if (i + 1 in chars and gap_start == i) else "\n")
    return "".join(out) + "\n"
