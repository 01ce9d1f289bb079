"""Our ISO 2859-1:1999 tables, cell by cell, against a second published copy of the same edition:
GB/T 2828.1-2012, its identical national adoption, as transcribed from the standard's scan in the
public repository nihantao-crosis/quality-platform (files and commits in the fixtures' headers).

Every code letter of Table 1 at every level, and every cell of Tables 2-A, 2-B and 2-C (26 AQLs,
arrows followed) must agree. The copy records where each arrow leads rather than the arrow, so an
arrow is checked by where it leads, and by whether the cell holds a plan or an arrow at all."""

from pathlib import Path

import pytest

from inspection import sampling as s

FIXTURES = Path(__file__).parent / "fixtures"


def _rows(name: str) -> list[list[str]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")][1:]


MASTER = _rows("iso2859_1_second_copy.tsv")
TABLE1 = _rows("iso2859_1_second_copy_table1.tsv")

# Cells where the printed arrow points away from the plan it leads to, because the table ends
# there (see the docstring of inspection.sampling): the plan reached is still the copy's.
PRINTED_AGAINST_THE_EDGE = {("normal", "A", "10"), ("normal", "R", "0.015"), ("tightened", "R", "0.015")}


def test_the_fixture_holds_every_row_and_every_aql():
    assert len(TABLE1) == 15
    assert {(t, len(r)) for t, _, *r in MASTER} == {("normal", 26), ("tightened", 26), ("reduced", 26)}
    assert [r[1] for r in MASTER if r[0] == "tightened"] == [*s.SAMPLE_SIZE]  # A … R and S
    assert [r[1] for r in MASTER if r[0] == "reduced"] == [*s.REDUCED_SAMPLE_SIZE]


@pytest.mark.parametrize("band", TABLE1, ids=lambda b: b[0])
def test_every_code_letter_at_every_level_matches_the_second_copy(band):
    low, high = band[0].split("-")
    sizes = [int(low), int(high) if high else 10_000_000]
    for size in sizes:
        assert [s.code_letter(size, level) for level in s.LEVELS] == band[1:], size


@pytest.mark.parametrize("row", MASTER, ids=lambda r: f"{r[0]}-{r[1]}")
def test_every_master_table_cell_gives_the_plan_of_the_second_copy(row):
    table, letter, *cells = row
    for aql, cell in zip(s.AQLS, cells, strict=True):
        where = (table, letter, str(aql))
        printed = s.cell(table, letter, aql)
        if cell == "-":
            assert printed == "·", where  # the standard prints nothing here
            continue
        plan_letter, n, ac, re = cell.split("/")
        found = s.plan_for_letter(table, letter, aql)
        assert (found.plan_letter, found.sample_size, found.ac, found.re) == (
            plan_letter,
            int(n),
            int(ac),
            int(re),
        ), where
        if plan_letter == letter:
            assert printed == f"{ac}/{re}", where  # a plan printed in the cell itself
        else:
            letters = list(s._TABLES[table][0])
            towards = "↓" if letters.index(plan_letter) > letters.index(letter) else "↑"
            expected = {"↓": "↑", "↑": "↓"}[towards] if where in PRINTED_AGAINST_THE_EDGE else towards
            assert printed == expected, where


def test_reduced_inspection_is_the_1999_table_not_z1_4_or_mil_std_105e():
    """Z1.4 and MIL-STD-105E reduce code letter K at AQL 1.0 to n = 50, Ac 1, Re 4; the 1999
    edition removed the gap and prints Ac 2, Re 3 (and 6/7, 8/9, which no other table has)."""
    assert s.plan(2000, "II", "1.0", "reduced").__str__() == "code K, n = 50, Ac 2, Re 3"
    assert s.cell("reduced", "K", "4.0") == "6/7" and s.cell("reduced", "K", "6.5") == "8/9"
    assert s.plan(100_000, "II", "1.0").__str__() == "code N, n = 500, Ac 10, Re 11"
