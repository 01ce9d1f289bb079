"""The ISO 2859-1:1999 sampling engine: Table 1 at every lot size band and level, cells of the
master tables as published, arrows followed, and the switching rules of clause 9.3 over sequences
of lots. The expected values are typed from the published tables, not computed from the engine."""

import pytest

from inspection import sampling as s
from inspection.sampling import Lot, State

# Table 1 as printed, one column per level, one letter per lot-size band (2–8 … 500 001 and over).
TABLE_1 = {
    "S-1": "AAAABBBBCCCCDDD",
    "S-2": "AAABBBCCCDDDEEE",
    "S-3": "AABBCCDDEEFFGGH",
    "S-4": "AABCCDEEFGGHJJK",
    "I": "AABCCDEFGHJKLMN",
    "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}
# The first and last lot size of each band.
BANDS = [
    (2, 8),
    (9, 15),
    (16, 25),
    (26, 50),
    (51, 90),
    (91, 150),
    (151, 280),
    (281, 500),
    (501, 1200),
    (1201, 3200),
    (3201, 10000),
    (10001, 35000),
    (35001, 150000),
    (150001, 500000),
    (500001, 10_000_000),
]


@pytest.mark.parametrize("level", s.LEVELS)
def test_every_code_letter_at_every_level_at_both_ends_of_every_band(level):
    for (low, high), letter in zip(BANDS, TABLE_1[level], strict=True):
        assert s.code_letter(low, level) == letter, (level, low)
        assert s.code_letter(high, level) == letter, (level, high)


def test_the_example_lot_of_100000_at_level_ii_is_n_with_500_samples_under_normal_inspection():
    found = s.plan(100_000, "II", "0.65")
    assert (found.letter, found.sample_size) == ("N", 500)
    assert (found.ac, found.re) == (7, 8)


@pytest.mark.parametrize("bad", [0, -5, 1])
def test_a_lot_of_fewer_than_two_items_has_no_code_letter(bad):
    with pytest.raises(s.SamplingError, match="at least 2 items"):
        s.code_letter(bad, "II")


def test_an_unknown_level_or_aql_is_refused_with_a_sentence():
    with pytest.raises(s.SamplingError, match="not an inspection level"):
        s.code_letter(100, "IV")
    with pytest.raises(s.SamplingError, match="not one of the AQLs"):
        s.plan(100, "II", "0.5")


# Table 2-A (normal) as transcribed in MIL-STD-105E Table II-A, AQL 0.65 … 15, rows A … Q:
# Re numbers, "v" the first plan below, "^" the first plan above.
NORMAL_PUBLISHED = {
    "A": "v v v v v 1 ^ v",
    "B": "v v v v 1 ^ v 2",
    "C": "v v v 1 ^ v 2 3",
    "D": "v v 1 ^ v 2 3 4",
    "E": "v 1 ^ v 2 3 4 6",
    "F": "1 ^ v 2 3 4 6 8",
    "G": "^ v 2 3 4 6 8 11",
    "H": "v 2 3 4 6 8 11 15",
    "J": "2 3 4 6 8 11 15 22",
    "K": "3 4 6 8 11 15 22 ^",
    "L": "4 6 8 11 15 22 ^ ^",
    "M": "6 8 11 15 22 ^ ^ ^",
    "N": "8 11 15 22 ^ ^ ^ ^",
    "P": "11 15 22 ^ ^ ^ ^ ^",
    "Q": "15 22 ^ ^ ^ ^ ^ ^",
}
TIGHTENED_PUBLISHED = {
    "B": "v v v v v 1 v v",
    "C": "v v v v 1 v v 2",
    "D": "v v v 1 v v 2 3",
    "E": "v v 1 v v 2 3 4",
    "F": "v 1 v v 2 3 4 6",
    "G": "1 v v 2 3 4 6 9",
    "H": "v v 2 3 4 6 9 13",
    "J": "v 2 3 4 6 9 13 19",
    "K": "2 3 4 6 9 13 19 ^",
    "L": "3 4 6 9 13 19 ^ ^",
}
MIDDLE_AQLS = ["0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15"]


def _printed(severity, letter, aql):
    text = s.cell(severity, letter, aql)
    return {"↓": "v", "↑": "^"}.get(text, text.split("/")[-1])


@pytest.mark.parametrize(
    "severity,published", [("normal", NORMAL_PUBLISHED), ("tightened", TIGHTENED_PUBLISHED)]
)
def test_master_table_cells_match_the_published_copy(severity, published):
    for letter, row in published.items():
        assert [_printed(severity, letter, a) for a in MIDDLE_AQLS] == row.split(), (severity, letter)


@pytest.mark.parametrize(
    "severity,letter,aql,expected",
    [
        ("normal", "A", "6.5", ("A", 0, 1)),
        ("normal", "A", "1000", ("A", 30, 31)),
        ("normal", "B", "1000", ("B", 44, 45)),
        ("normal", "E", "150", ("E", 30, 31)),  # rows A–E run on to 30/31 and 44/45
        ("normal", "F", "150", ("E", 30, 31)),  # ↑: rows F on stop at 21/22
        ("normal", "R", "0.010", ("Q", 0, 1)),  # ↑
        ("normal", "R", "0.015", ("P", 0, 1)),  # ↓ in the last row: the first plan above
        ("tightened", "R", "0.025", ("S", 1, 2)),  # ↓ to the extra row S
        ("tightened", "A", "10", ("A", 0, 1)),  # the 0/1 diagonal reaches row A
        ("normal", "K", "2.5", ("K", 7, 8)),
        ("normal", "P", "2.5", ("N", 21, 22)),  # ↑ to N
        ("normal", "H", "1.5", ("H", 2, 3)),
        ("normal", "F", "1.5", ("G", 1, 2)),  # ↓ to G
        ("normal", "G", "0.65", ("F", 0, 1)),  # ↑ to F
        ("normal", "A", "10", ("C", 1, 2)),  # ↑ in the top row: the first plan below
        ("tightened", "R", "0.010", ("R", 0, 1)),
        ("tightened", "S", "0.025", ("S", 1, 2)),
        ("tightened", "K", "2.5", ("K", 5, 6)),
        ("tightened", "A", "1000", ("A", 27, 28)),
        ("tightened", "B", "1000", ("B", 41, 42)),
        ("tightened", "E", "1.0", ("F", 0, 1)),  # ↓
        ("tightened", "G", "1.0", ("J", 1, 2)),  # two ↓
        ("tightened", "N", "0.65", ("N", 5, 6)),
        ("reduced", "N", "1.0", ("N", 6, 7)),
        ("reduced", "K", "1.0", ("K", 2, 3)),  # Z1.4 and MIL-STD-105E: Ac 1, Re 4
        ("reduced", "K", "0.10", ("K", 0, 1)),  # the 0/1 of normal row K, with n = 50
        ("reduced", "C", "6.5", ("E", 1, 2)),  # two ↓
        ("reduced", "R", "0.015", ("P", 0, 1)),  # ↑ in the last row
    ],
)
def test_master_table_plans_with_arrows_followed(severity, letter, aql, expected):
    found = s.plan_for_letter(severity, letter, aql)
    assert (found.plan_letter, found.ac, found.re) == expected


def test_reduced_inspection_samples_fewer_with_no_gap_between_ac_and_re():
    """ISO 2859-1:1999 differs here from ANSI/ASQ Z1.4 and MIL-STD-105E: every reduced plan
    rejects at Ac + 1."""
    for letter in s.REDUCED:
        for aql in s.AQLS:
            found = s.plan_for_letter("reduced", letter, aql)
            if found.ac is not None:
                assert found.re == found.ac + 1
                assert found.sample_size == s.REDUCED_SAMPLE_SIZE[found.plan_letter]
    assert s.plan(100_000, "II", "1.0", "reduced").sample_size == 200


def test_every_cell_of_every_table_resolves_to_a_plan_or_to_100_percent():
    for severity, (table, _) in s._TABLES.items():
        for letter in table:
            for aql in s.AQLS:
                found = s.plan_for_letter(severity, letter, aql)
                assert (
                    found.hundred_percent
                    or (found.ac is not None and found.re == found.ac + 1)
                    or (found.re > found.ac)
                )


def test_a_sample_as_large_as_the_lot_means_inspecting_every_item():
    found = s.plan(10, "III", "0.65")  # C, arrows lead to F: 20 samples of a lot of 10
    assert found.hundred_percent and found.sample_size == 10


def test_tightened_plans_are_never_looser_than_normal():
    for letter in s.NORMAL:
        for aql in s.AQLS:
            normal = s.plan_for_letter("normal", letter, aql)
            tight = s.plan_for_letter("tightened", letter, aql)
            if normal.ac is None or tight.ac is None:
                continue
            assert tight.ac / tight.sample_size <= normal.ac / normal.sample_size + 1e-9, (letter, aql)


# --- switching rules ---


def run(results, *, ac=1, start=State(), **lot):
    """Feed a sequence of lots (True accepted) through the rules; the states and the reasons."""
    state, reasons = start, []
    for accepted in results:
        step = s.switch(state, Lot(accepted=accepted, ac=ac, nonconforming=0 if accepted else ac + 1, **lot))
        state = step.state
        if step.changed:
            reasons.append(step.reason)
    return state, reasons


def test_two_lots_not_accepted_in_five_switch_normal_to_tightened():
    state, reasons = run([True, False, True, True, False])
    assert state.severity == "tightened"
    assert "2 of 5" in reasons[0]


def test_two_lots_not_accepted_six_apart_stay_normal():
    state, reasons = run([False, True, True, True, True, False])
    assert state.severity == "normal" and reasons == []


def test_five_accepted_in_a_row_return_tightened_to_normal():
    state, _ = run([True] * 4, start=State("tightened"))
    assert state.severity == "tightened"
    state, reasons = run([True] * 5, start=State("tightened"))
    assert state.severity == "normal" and "5 consecutive" in reasons[0]


def test_a_lot_not_accepted_under_tightened_restarts_the_run_of_five():
    state, _ = run([True, True, True, True, False, True, True, True, True], start=State("tightened"))
    assert state.severity == "tightened"


def test_five_lots_not_accepted_under_tightened_discontinue_inspection():
    state, reasons = run([False, True, False, False, True, False, False], start=State("tightened"))
    assert state.discontinued
    assert "discontinued" in reasons[-1]
    assert s.switch(state, Lot(accepted=True)).state.discontinued  # nothing moves it but resume
    assert s.resume(state).state == State("tightened")


def test_switching_score_reaches_30_and_reduced_needs_steady_production_and_approval():
    # Ac 0 or 1: 2 points per accepted lot; 15 lots make 30.
    state, _ = run([True] * 15, reduced_approved=False)
    assert state.severity == "normal" and state.switching_score == 30
    state, _ = run([True] * 14, reduced_approved=True)
    assert state.severity == "normal"
    state, reasons = run([True] * 15, reduced_approved=True)
    assert state.severity == "reduced" and "score 30" in reasons[0]
    state, _ = run([True] * 15, reduced_approved=True, production_steady=False)
    assert state.severity == "normal"


def test_switching_score_with_ac_two_or_more_counts_only_lots_good_one_step_tighter():
    start = State()
    good = Lot(accepted=True, ac=3, nonconforming=2, tighter_ac=2)
    accepted_but_not_tighter = Lot(accepted=True, ac=3, nonconforming=3, tighter_ac=2)
    assert s.switch(start, good).state.switching_score == 3
    assert s.switch(State(switching_score=27), accepted_but_not_tighter).state.switching_score == 0
    assert s.tighter_ac("K", "2.5") == 5  # normal K: 7/8 at 2.5, 5/6 at 1.5


def test_a_lot_not_accepted_resets_the_score():
    state, _ = run([True] * 10 + [False])
    assert state.switching_score == 0


@pytest.mark.parametrize(
    "lot,why",
    [
        (Lot(accepted=False), "not accepted"),
        (Lot(accepted=True, production_steady=False), "irregular"),
        (Lot(accepted=True, normal_requested=True), "asked"),
    ],
)
def test_reduced_returns_to_normal(lot, why):
    step = s.switch(State("reduced"), lot)
    assert step.state.severity == "normal" and why in step.reason


def test_reduced_stays_reduced_while_lots_are_accepted():
    assert s.switch(State("reduced"), Lot(accepted=True)).state.severity == "reduced"
