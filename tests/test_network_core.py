"""core/network.py against values computed by hand from the DNA manual's definitions
(leifeld/dna, manual2/dna-manual.Rnw: "Notation", "Construction of One-Mode Networks",
"Normalization for One-Mode Networks", "Affiliation Networks", "Normalization of Affiliation
Networks", "Time Series Options")."""

from __future__ import annotations

from datetime import date

import pytest

from annotator.core.network import (
    NetworkError,
    Statement,
    affiliation,
    crosstab,
    cuboid,
    network,
    one_mode,
    time_windows,
)

S = Statement


def weight(net, a: str, b: str) -> float:
    return float(net.weights[net.rows.index(a), net.cols.index(b)])


@pytest.mark.parametrize(("k1", "k2", "congruence", "conflict"), [
    # The manual's figure "congruence and conflict networks with an integer qualifier"
    # on the scale -5..+5 (|K| - 1 = 10): +2 and +5 -> 7/10 and 3/10; -4 and +2 -> 4/10, 6/10.
    (2, 5, 7 / 10, 3 / 10),
    (-4, 2, 4 / 10, 6 / 10),
])
def test_integer_qualifier_figure(k1: int, k2: int, congruence: float, conflict: float) -> None:
    st = [S("a1", "c1", k1), S("a2", "c1", k2)]
    assert weight(network(st, "congruence", scale=(-5, 5)), "a1", "a2") == pytest.approx(congruence)
    assert weight(network(st, "conflict", scale=(-5, 5)), "a1", "a2") == pytest.approx(conflict)


def test_integer_qualifier_text_example_counts_every_pair_of_statements() -> None:
    # "if i mentions j at intensity -4 twice and i' mentions j at intensity +2 three times on
    # an intensity scale [-5; +5], this contributes 2 * 3 * (1 - |-4 - 2| / (11 - 1)) = 2.4"
    st = [S("i", "j", -4)] * 2 + [S("i2", "j", 2)] * 3
    net = network(st, "congruence", scale=(-5, 5))
    assert weight(net, "i", "i2") == pytest.approx(2.4)
    assert weight(net, "i2", "i") == pytest.approx(2.4)
    assert weight(net, "i", "i") == 0  # no self-ties
    assert weight(network(st, "conflict", scale=(-5, 5)), "i", "i2") == pytest.approx(2 * 3 * 0.6)


def test_scale_is_the_declared_one_not_the_observed_one() -> None:
    # Only +2 and +5 observed: with the observed range |K| - 1 = 3 the congruence would be 0.
    st = [S("a1", "c1", 2), S("a2", "c1", 5)]
    assert weight(network(st, "congruence"), "a1", "a2") == 0
    assert weight(network(st, "congruence", scale=(-5, 5)), "a1", "a2") == pytest.approx(0.7)
    with pytest.raises(NetworkError, match="outside the scale"):
        network(st, "congruence", scale=(0, 1))


def test_binary_congruence_and_conflict_count_matches_and_contradictions() -> None:
    # Binary K = {0, 1}: congruence sum_j sum_k x_ijk x_i'jk; conflict x_ijk x_i'j(1-k).
    st = [S("a1", "c1", 1), S("a2", "c1", 1), S("a3", "c1", 0),
          S("a1", "c2", 0), S("a3", "c2", 0), S("a3", "c2", 0)]
    con = network(st, "congruence", scale=(0, 1))
    assert weight(con, "a1", "a2") == 1
    assert weight(con, "a1", "a3") == 2  # c2: 1 x 2 co-rejections
    assert weight(con, "a2", "a3") == 0
    fl = network(st, "conflict", scale=(0, 1))
    assert weight(fl, "a1", "a3") == 1  # c1: yes against no
    assert weight(fl, "a2", "a3") == 1
    assert weight(fl, "a1", "a2") == 0


def profile() -> list[Statement]:
    # No qualifier ("ignore"): A uses c1 c2 c3, B uses c1 c2, C uses c3.
    return [S("A", "c1"), S("A", "c2"), S("A", "c3"), S("B", "c1"), S("B", "c2"), S("C", "c3")]


def test_ignore_without_qualifier_counts_shared_second_variable_nodes() -> None:
    net = network(profile(), "congruence")
    assert (weight(net, "A", "B"), weight(net, "A", "C"), weight(net, "B", "C")) == (2, 1, 0)
    assert net.edges() == [("A", "B", 2.0), ("A", "C", 1.0)]
    with pytest.raises(NetworkError, match="needs a qualifier"):
        network(profile(), "conflict")


@pytest.mark.parametrize(("normalize", "ab", "ac"), [
    ("average", 2 / ((3 + 2) / 2), 1 / ((3 + 1) / 2)),  # omega / mean activity
    ("cosine", 2 / (3 * 2), 1 / (3 * 1)),  # omega / product of activities
    ("jaccard", 2 / (1 + 0 + 2), 1 / (2 + 0 + 1)),  # omega / (only A + only B + joint)
])
def test_one_mode_normalisations(normalize: str, ab: float, ac: float) -> None:
    net = network(profile(), "congruence", normalize)
    assert weight(net, "A", "B") == pytest.approx(ab)
    assert weight(net, "A", "C") == pytest.approx(ac)
    assert weight(net, "B", "C") == 0


def test_affiliation_counts_signs_and_normalisations() -> None:
    assert weight(network(profile(), "affiliation"), "A", "c1") == 1
    # Binary subtract: k x - (1 - k) x, so two yes and one no -> +1.
    st = [S("A", "c1", 1), S("A", "c1", 1), S("A", "c1", 0), S("A", "c2", 0)]
    net = network(st, "affiliation", scale=(0, 1))
    assert (weight(net, "A", "c1"), weight(net, "A", "c2")) == (1, -1)
    # Integer subtract: sum_k k x_ijk.
    net = network([S("A", "c1", -4), S("A", "c1", 2), S("A", "c1", 2)], "affiliation",
                  scale=(-5, 5))
    assert weight(net, "A", "c1") == 0
    # The manual's examples: A made four statements, one about B -> activity 0.25; B was
    # mentioned eight times in all, once by A -> prominence 0.125.
    st = [S("A", "B")] + [S("A", "x")] * 3 + [S(f"o{n}", "B") for n in range(7)]
    assert weight(network(st, "affiliation", "activity"), "A", "B") == pytest.approx(0.25)
    assert weight(network(st, "affiliation", "prominence"), "A", "B") == pytest.approx(0.125)


def test_normalisation_names_are_checked_per_network_type() -> None:
    cube = cuboid(profile())
    with pytest.raises(NetworkError, match="affiliation networks take"):
        affiliation(cube, "jaccard")
    with pytest.raises(NetworkError, match="one-mode networks take"):
        one_mode(cube, "ignore", "activity")


def test_moving_time_window_in_days() -> None:
    # Statements on 1..5 March; a 3-day window reaches round((3 - 1) / 2) = 1 day either side
    # and only windows inside 1..5 March count: centred on the 2nd, 3rd and 4th.
    st = [S("A", "c", when=date(2026, 3, 1)), S("B", "c", when=date(2026, 3, 2)),
          S("C", "c", when=date(2026, 3, 5))]
    nets = time_windows(st, 3, "congruence")
    assert [(n.start, n.stop) for n in nets] == [
        (date(2026, 3, d - 1), date(2026, 3, d + 1)) for d in (2, 3, 4)]
    assert [n.n_statements for n in nets] == [2, 1, 1]
    assert [weight(n, "A", "B") for n in nets] == [1, 0, 0]
    assert all(n.rows == ("A", "B", "C") for n in nets)  # the same nodes in every window
    # A 2-day window rounds half up as DNA (Java's Math.round): 1 day either side too.
    assert len(time_windows(st, 2, "congruence")) == 3
    # One day: one network per day.
    assert len(time_windows(st, 1, "affiliation")) == 5
    with pytest.raises(NetworkError, match="no date"):
        time_windows([S("A", "c")], 3, "congruence")


def test_mixed_qualifiers_are_refused() -> None:
    with pytest.raises(NetworkError, match="some statements"):
        cuboid([S("A", "c", 1), S("B", "c")])


def test_crosstab_counts_pairs() -> None:
    rows, cols, m = crosstab([("Lavrov", "RT"), ("Lavrov", "RT"), ("Zelensky", "Le Monde")])
    assert rows == ("Lavrov", "Zelensky") and cols == ("Le Monde", "RT")
    assert m.tolist() == [[0, 2], [1, 0]]
