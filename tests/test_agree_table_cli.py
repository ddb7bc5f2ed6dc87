"""`annotator agree --table` through click's CliRunner on CSV files written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.cli.analysis import run_table

NA = None
# Krippendorff (2011) example C: coders x units.
EXAMPLE_C = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    "C": [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
}


def write_example_c(path: Path, *, blank_missing: bool = False) -> Path:
    lines = ["unit,annotator,label"]
    for coder, values in EXAMPLE_C.items():
        for unit, v in enumerate(values, start=1):
            if v is not None:
                lines.append(f"u{unit},{coder},{v}")
            elif blank_missing:
                lines.append(f"u{unit},{coder},")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_sas(path: Path) -> Path:
    """The SAS 3x3 table [[0,4,1],[0,8,0],[0,1,5]] as 19 units rated by two annotators."""
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    lines = ["annotator,unit,label,comment"]  # other column order and an extra column
    unit = 0
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            for _ in range(n):
                unit += 1
                lines += [f"ann,{unit},{i},x", f'bob,{unit},{j},"a, b"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["agree", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("level", "alpha"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_json_reproduces_example_c(tmp_path: Path, level: str, alpha: float) -> None:
    f = write_example_c(tmp_path / "c.csv", blank_missing=True)
    code, out, err = invoke("--table", str(f), "--level", level, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert round(data["krippendorff_alpha"], 3) == alpha
    assert round(data["gwet_ac1"], 3) == 0.775
    assert round(data["percent_agreement"], 3) == 0.818
    for key in (
        "n_units", "n_annotators", "percent_agreement", "krippendorff_alpha", "alpha_ci95",
        "fleiss_kappa", "gwet_ac1", "pairwise_cohen", "units_used", "units_dropped",
        "units_dropped_reasons", "undefined", "annotators", "categories",
    ):
        assert key in data
    assert "cohen_kappa" not in data  # four annotators
    assert data["n_units"] == 12 and data["n_annotators"] == 4
    assert data["units_used"] == 11 and data["units_dropped"] == 1
    assert data["annotators"] == ["A", "B", "C", "D"]
    assert data["categories"] == [1, 2, 3, 4, 5]
    ci = data["alpha_ci95"]
    assert ci["low"] <= data["krippendorff_alpha"] <= ci["high"]


def test_text_output_is_a_table(tmp_path: Path) -> None:
    f = write_example_c(tmp_path / "c.csv")
    code, out, _ = invoke("--table", str(f), "--level", "interval")
    assert code == 0
    assert "units: 12 (11 used, 1 dropped" in out
    assert "fewer than 2 annotators gave a value: 1" in out
    lines = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    assert "0.849" in lines["Krippendorff's alpha (interval)"]
    assert "95% CI" in lines["Krippendorff's alpha (interval)"]
    assert "0.775" in lines["Gwet's AC1"]
    assert "pairwise Cohen's kappa" in out


def test_weights_give_sas_values(tmp_path: Path) -> None:
    f = write_sas(tmp_path / "sas.csv")
    code, out, _ = invoke("--table", str(f), "--json")
    assert code == 0
    assert round(json.loads(out)["cohen_kappa"], 4) == 0.4842
    code, out, _ = invoke("--table", str(f), "--weights", "linear", "--json")
    data = json.loads(out)
    assert round(data["cohen_kappa"], 4) == 0.4701
    assert data["weights"] == "linear"
    code, out, _ = invoke("--table", str(f), "--weights", "quadratic")
    assert code == 0 and "Cohen's kappa (quadratic-weighted two annotators)" in out


def test_seed_makes_the_interval_reproducible(tmp_path: Path) -> None:
    f = write_example_c(tmp_path / "c.csv")
    first = json.loads(invoke("--table", str(f), "--json", "--seed", "7")[1])["alpha_ci95"]
    again = json.loads(invoke("--table", str(f), "--json", "--seed", "7")[1])["alpha_ci95"]
    other = json.loads(invoke("--table", str(f), "--json", "--seed", "8")[1])["alpha_ci95"]
    assert first == again
    assert first != other
    none = json.loads(invoke("--table", str(f), "--json", "--n-boot", "0")[1])
    assert none["alpha_ci95"] is None


def test_single_label_is_undefined_not_one(tmp_path: Path) -> None:
    f = tmp_path / "same.csv"
    f.write_text("unit,annotator,label\n1,a,Fear\n1,b,Fear\n2,a,Fear\n2,b,Fear\n", encoding="utf-8")
    code, out, _ = invoke("--table", str(f), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["krippendorff_alpha"] is None
    assert data["cohen_kappa"] is None
    assert data["percent_agreement"] == 1.0
    assert "identical" in data["undefined"]["krippendorff_alpha"]
    code, out, _ = invoke("--table", str(f))
    assert code == 0
    assert "undefined" in out and "1.000" not in out.split("percent agreement")[1].split("\n")[1]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            "unit,annotator,label\n1,a,x\n1,b,y\n1,a,z\n",
            [],
            "{f}:4: annotator 'a' already rated unit '1' on line 2",
        ),
        (
            "unit,annotator,label\n1,a,x\n1,b\n",
            [],
            "{f}:3: expected 3 fields like the header, found 2",
        ),
        (
            "unit,rater,label\n1,a,x\n",
            [],
            "{f}:1: header must name the columns unit, annotator, label (missing annotator",
        ),
        (
            "unit,annotator,label\n1,a,2\n1,b,high\n",
            ["--level", "ordinal"],
            "{f}:3: label 'high' is not a number; --level ordinal needs numeric labels",
        ),
        (
            "unit,annotator,label\n1,a,2\n1,b,high\n",
            ["--weights", "linear"],
            "{f}:3: label 'high' is not a number; --weights linear needs numeric",
        ),
        ("", [], "{f}:1: empty file"),
        ("unit,annotator,label\n", [], "{f}: no ratings after the header"),
        ("unit,annotator,label\n1,,x\n", [], "{f}:2: empty annotator"),
        ('unit,annotator,label\n1,a,x\n2,b,"unclosed\n', [], "{f}:"),
    ],
)
def test_bad_files_give_one_line_errors(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(content, encoding="utf-8")
    code, out, err = invoke("--table", str(f), *args)
    assert code == 2
    assert out == ""
    assert err.startswith(message.format(f=f))
    assert err.count("\n") == 1 and "Traceback" not in err


def test_not_utf8_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "latin.csv"
    f.write_bytes("unit,annotator,label\n1,a,x\n1,b,caf\xe9\n".encode("latin-1"))
    code, _, err = invoke("--table", str(f))
    assert code == 2 and err.startswith(f"{f}:3: not UTF-8 text")
    code, _, err = invoke("--table", str(tmp_path / "nope.csv"))
    assert code == 2 and err.strip() == f"{tmp_path / 'nope.csv'}: no such file"


def test_utf8_bom_blank_lines_and_quoted_labels(tmp_path: Path) -> None:
    f = tmp_path / "bom.csv"
    f.write_text(
        '\ufeffunit,annotator,label\n\n1,a,"Name_Calling,Labeling"\n1,b,"Name_Calling,Labeling"\n'
        "2,a,Doubt\n2,b,Flag-Waving\n3,a,Doubt\n3,b,Doubt\n",
        encoding="utf-8",
    )
    code, out, err = invoke("--table", str(f), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["categories"] == ["Doubt", "Flag-Waving", "Name_Calling,Labeling"]
    assert data["units_used"] == 3


def test_run_table_returns_text_and_code(tmp_path: Path) -> None:
    f = write_example_c(tmp_path / "c.csv")
    text, code = run_table(f, "nominal", None, False, n_boot=50)
    assert code == 0 and "0.743" in text
    text, code = run_table(tmp_path / "missing.csv", "nominal", None, False)
    assert code == 2 and text.endswith("missing.csv: no such file")


def test_agree_help_lists_options() -> None:
    result = CliRunner().invoke(cli, ["agree", "--help"])
    assert result.exit_code == 0
    for opt in ("--table", "--level", "--weights", "--kappa-distance", "--json", "--scheme",
                "--label-set", "--annotators", "--csv"):
        assert opt in result.stdout


# ------------------------------------------------------------- weighted κ: positions or values
def write_pairs(path: Path, a: list[str], b: list[str]) -> Path:
    lines = ["unit,annotator,label"]
    for u, (x, y) in enumerate(zip(a, b, strict=True)):
        lines += [f"u{u},ann,{x}", f"u{u},bob,{y}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


UNEVEN_A = ["1", "2", "5", "1", "2", "5", "1", "5"]
UNEVEN_B = ["2", "2", "5", "1", "5", "5", "1", "2"]


def hand_weighted_kappa(a: list[float], b: list[float], scores: dict[float, float],
                        weights: str) -> float:
    cats = sorted(set(a) | set(b))
    k = len(cats)
    table = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        table[cats.index(x)][cats.index(y)] += 1
    s = [scores[c] for c in cats]
    span = max(s) - min(s)
    n = len(a)

    def w(i: int, j: int) -> float:
        d = abs(s[i] - s[j]) / span
        return 1 - (d if weights == "linear" else d * d)

    po = sum(w(i, j) * table[i][j] for i in range(k) for j in range(k)) / n
    rows = [sum(table[i]) / n for i in range(k)]
    cols = [sum(table[i][j] for i in range(k)) / n for j in range(k)]
    pe = sum(w(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k))
    return (po - pe) / (1 - pe)


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_uses_positions_by_default_and_values_on_request(
    tmp_path: Path, weights: str
) -> None:
    """Labels 1, 2, 5: by default the weights use the positions 0, 1, 2 (R irr ``kappa2``,
    scikit-learn ``cohen_kappa_score``); ``--kappa-distance values`` uses 1, 2, 5."""
    f = write_pairs(tmp_path / "uneven.csv", UNEVEN_A, UNEVEN_B)
    a = [float(x) for x in UNEVEN_A]
    b = [float(x) for x in UNEVEN_B]
    code, out, err = invoke("--table", str(f), "--weights", weights, "--json")
    assert code == 0, err
    data = json.loads(out)
    positions = hand_weighted_kappa(a, b, {1.0: 0, 2.0: 1, 5.0: 2}, weights)
    assert data["cohen_kappa"] == pytest.approx(positions, abs=1e-12)
    assert data["kappa_distance"] == "positions"
    code, out, err = invoke("--table", str(f), "--weights", weights, "--kappa-distance",
                            "values", "--json")
    assert code == 0, err
    data = json.loads(out)
    values = hand_weighted_kappa(a, b, {1.0: 1.0, 2.0: 2.0, 5.0: 5.0}, weights)
    assert data["cohen_kappa"] == pytest.approx(values, abs=1e-12)
    assert data["kappa_distance"] == "values"
    assert values != pytest.approx(positions)
    code, out, _ = invoke("--table", str(f), "--weights", weights, "--kappa-distance", "values")
    assert code == 0 and f"Cohen's kappa ({weights}-weighted by value distance" in out


# --------------------------------------------------------------------------- what a label is
def test_one_and_one_point_zero_are_one_label_whatever_else_is_in_the_file(
    tmp_path: Path,
) -> None:
    """'1' and '1.0' are one label in an all-numeric file, and still one label when another
    row holds a text label."""
    numeric = write_pairs(tmp_path / "n.csv", ["1", "2", "2"], ["1.0", "2", "2.0"])
    mixed = write_pairs(tmp_path / "m.csv", ["1", "2", "x"], ["1.0", "2", "x"])
    for f in (numeric, mixed):
        code, out, err = invoke("--table", str(f), "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["percent_agreement"] == 1.0, f.name
    assert json.loads(invoke("--table", str(mixed), "--json")[1])["categories"] == [1, 2, "x"]


def test_text_labels_are_compared_in_nfc(tmp_path: Path) -> None:
    """é composed (U+00E9) and e + combining acute (U+0301) are one label."""
    f = write_pairs(tmp_path / "nfc.csv", ["caf\u00e9", "x"], ["cafe\u0301", "x"])
    data = json.loads(invoke("--table", str(f), "--json")[1])
    assert data["percent_agreement"] == 1.0
    assert data["categories"] == ["caf\u00e9", "x"]


def test_a_number_is_an_ascii_number_after_nfkc(tmp_path: Path) -> None:
    """A label is a number when its NFKC form is an ASCII decimal number: '²' (NFKC '2') and
    fullwidth '１' (NFKC '1') are numbers."""
    f = write_pairs(tmp_path / "sup.csv", ["\u00b2", "\uff11", "3"], ["2", "1", "3"])
    code, out, err = invoke("--table", str(f), "--level", "interval", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["categories"] == [1, 2, 3] and data["percent_agreement"] == 1.0


def test_other_unicode_digits_are_text(tmp_path: Path) -> None:
    """Arabic-Indic '١' stays '١' under NFKC: a text label, not the number 1."""
    f = write_pairs(tmp_path / "arabic.csv", ["\u0661", "2"], ["1", "2"])
    code, _, err = invoke("--table", str(f), "--level", "interval")
    assert code == 2
    assert err.startswith(f"{f}:2: label '\u0661' is not a number; --level interval needs")
    data = json.loads(invoke("--table", str(f), "--json")[1])
    assert data["percent_agreement"] == 0.5  # '١' and '1' are two labels


def test_ratio_level_refuses_negative_values(tmp_path: Path) -> None:
    f = write_pairs(tmp_path / "neg.csv", ["1", "2", "3"], ["1", "-2", "3"])
    code, out, err = invoke("--table", str(f), "--level", "ratio")
    assert code == 2 and out == ""
    assert err == f"{f}:5: label '-2' is negative; --level ratio needs values of 0 or more\n"
    code, _, err = invoke("--table", str(f), "--level", "interval")
    assert code == 0, err


def test_text_says_what_a_lone_value_counts_in(tmp_path: Path) -> None:
    f = write_example_c(tmp_path / "c.csv")  # unit 12: one value only
    code, out, _ = invoke("--table", str(f))
    assert code == 0
    assert ("(a unit with one value is not pairable, but that value counts in the chance "
            "agreement of Fleiss' kappa and Gwet's AC1)") in out
