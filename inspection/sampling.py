"""Sampling by attributes after ISO 2859-1:1999 (with Amendment 1:2011), single sampling.

Pure data and functions, no database: the module asks them for a lot and records what they say.

- Table 1, sample size code letters by lot size and inspection level (general I, II, III; special
  S-1 … S-4): ``code_letter(lot_size, level)``.
- Tables 2-A, 2-B and 2-C, the master tables of single sampling for normal, tightened and reduced
  inspection, arrows included (``NORMAL``, ``TIGHTENED``, ``REDUCED``): ``plan(...)`` follows the
  arrows to the plan to use ("↓ use the first sampling plan below the arrow", "↑ the first above";
  when the sample equals or exceeds the lot, inspect every item: clause 10.2 of the standard).
- Clause 9.3, the switching rules between normal, tightened and reduced inspection, with the
  switching score of 9.3.3.2 and the discontinuation of 9.4: ``switch(state, lot)``.

Where the tables come from. Every cell of Table 1 and of Tables 2-A, 2-B and 2-C (all 26 AQLs) is
checked against a second published copy of the same edition: GB/T 2828.1-2012, the identical
adoption (IDT) of ISO 2859-1:1999, as transcribed from that standard's scan in the public repository
nihantao-crosis/quality-platform (tests/inspection/fixtures/ names the files and commits;
tests/inspection/test_sampling_second_copy.py compares cell by cell). That check corrected our first
transcription in four places: the whole reduced table (it had been taken for the normal row of the
reduced sample size), rows E of Tables 2-A and 2-B at AQL 150 and 250 (30/31, 44/45 and 27/28,
41/42, not ↑), Table 2-B row A at AQL 10 (0/1, not ↓) and Table 2-B row S (its one plan, Ac 1 Re 2,
stands at AQL 0.025, reached by the ↓ of rows Q and R). The normal and tightened tables also agree,
for AQL 0.065 to 10, with MIL-STD-105E Tables II-A and II-B (tests/inspection/test_sampling.py).
The reduced table differs between the editions: MIL-STD-105E and ANSI/ASQ Z1.4 leave a gap between
Ac and Re (0/2, 1/3, 1/4, 2/5, …); ISO 2859-1:1999 removed it (Re = Ac + 1: 1/2, 2/3, 3/4, 5/6,
6/7, 8/9, 10/11) and any non-acceptance returns to normal inspection (9.3.4).

Two cells of the printed tables need a word:
- Table 2-A, row A at AQL 10 prints ↑ with no plan above it: we take the first plan below
  (code letter C, n = 5, Ac 1, Re 2), as the second copy does.
- Table 2-B adds row S (n = 3150), reached only from rows Q and R at AQL 0.025 ("·" elsewhere).
- An arrow that leads past the last row (normal R at 0.015, tightened R at 0.015) has no plan
  below: we take the first plan above, as the second copy does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# --- Table 1: sample size code letters --------------------------------------------------------

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
LEVEL_CHOICES = [(lv, f"Special {lv}" if lv.startswith("S") else f"General {lv}") for lv in LEVELS]

# Upper bound of each lot-size band (None: and over), then the letter at S-1 S-2 S-3 S-4 I II III.
CODE_LETTERS: tuple[tuple[int | None, str], ...] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

# --- Tables 2-A, 2-B, 2-C: single sampling master tables ---------------------------------------

_AQL_TEXT = "0.010 0.015 0.025 0.040 0.065 0.10 0.15 0.25 0.40 0.65 1.0 1.5 2.5 4.0 6.5 10 15 25 40 65 100 150 250 400 650 1000"  # noqa: E501
AQLS: tuple[Decimal, ...] = tuple(Decimal(a) for a in _AQL_TEXT.split(" "))
AQL_CHOICES = [(str(a), str(a)) for a in AQLS]

SAMPLE_SIZE = {
    "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50, "J": 80, "K": 125,
    "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000, "S": 3150,
}  # fmt: skip
# Reduced inspection samples fewer items for the same code letter (Table 2-C).
REDUCED_SAMPLE_SIZE = {
    "A": 2, "B": 2, "C": 2, "D": 3, "E": 5, "F": 8, "G": 13, "H": 20, "J": 32, "K": 50,
    "L": 80, "M": 125, "N": 200, "P": 315, "Q": 500, "R": 800,
}  # fmt: skip

# One row per code letter, one cell per AQL (0.010 … 1000) as "Ac/Re", "↓", "↑" or "·" (none).
# Table 2-A: single sampling plans for normal inspection.
NORMAL = {
    "A": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31",
    "B": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45",
    "C": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ↑",
    "D": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ↑ ↑",
    "E": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ↑ ↑ ↑",
    "F": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑",
    "G": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "H": "↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "J": "↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "K": "↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "L": "↓ ↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "M": "↓ ↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "N": "↓ ↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "P": "↓ 0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "Q": "0/1 ↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "R": "↑ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
}
# Table 2-B: single sampling plans for tightened inspection.
TIGHTENED = {
    "A": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28",
    "B": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42",
    "C": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ↑",
    "D": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ↑ ↑",
    "E": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ↑ ↑ ↑",
    "F": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑",
    "G": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "H": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "J": "↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "K": "↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "L": "↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "M": "↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "N": "↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "P": "↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "Q": "↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "R": "0/1 ↓ ↓ 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "S": "· · 1/2 · · · · · · · · · · · · · · · · · · · · · · ·",
}
# Table 2-C: single sampling plans for reduced inspection. ISO 2859-1:1999 removed the gap
# between Ac and Re of the earlier editions (and of ANSI/ASQ Z1.4, MIL-STD-105E): Re = Ac + 1, and
# the Ac run 0, 1, 2, 3, 5, 6, 8, 10 is its own (6/7 and 8/9 appear in no other table). Each row
# keeps the 0/1 of the normal row of the same code letter, at the reduced sample size.
REDUCED = {
    "A": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↓ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31",
    "B": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31",
    "C": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 14/15 21/22 ↑",
    "D": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 14/15 21/22 ↑ ↑",
    "E": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 14/15 21/22 ↑ ↑ ↑",
    "F": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑",
    "G": "↓ ↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "H": "↓ ↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "J": "↓ ↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "K": "↓ ↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "L": "↓ ↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "M": "↓ ↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "N": "↓ ↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "P": "↓ 0/1 ↑ ↓ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "Q": "0/1 ↑ ↑ ↓ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
    "R": "↑ ↑ ↑ 1/2 2/3 3/4 5/6 6/7 8/9 10/11 ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑ ↑",
}

SEVERITIES = ("normal", "tightened", "reduced")
SEVERITY_CHOICES = [("normal", "Normal"), ("tightened", "Tightened"), ("reduced", "Reduced")]
_TABLES = {
    "normal": (NORMAL, SAMPLE_SIZE),
    "tightened": (TIGHTENED, SAMPLE_SIZE),
    "reduced": (REDUCED, REDUCED_SAMPLE_SIZE),
}


class SamplingError(ValueError):
    """The question has no answer in the standard: say why, in the user's words."""


def code_letter(lot_size: int, level: str) -> str:
    """Table 1: the sample size code letter for a lot of ``lot_size`` items at ``level``."""
    if not isinstance(lot_size, int) or isinstance(lot_size, bool):
        raise SamplingError("The lot size must be a whole number of items.")
    if lot_size < 2:
        raise SamplingError("A lot must hold at least 2 items to be sampled (ISO 2859-1, Table 1).")
    if level not in LEVELS:
        raise SamplingError(f"“{level}” is not an inspection level; use one of {', '.join(LEVELS)}.")
    column = LEVELS.index(level)
    for upper, letters in CODE_LETTERS:
        if upper is None or lot_size <= upper:
            return letters[column]
    raise AssertionError("unreachable: the last band is open-ended")


def aql_index(aql) -> int:
    try:
        value = Decimal(str(aql))
    except ArithmeticError as exc:
        raise SamplingError(f"“{aql}” is not an AQL.") from exc
    for i, a in enumerate(AQLS):
        if a == value:
            return i
    raise SamplingError(f"{aql} is not one of the AQLs of ISO 2859-1 (0.010 … 1000).")


def cell(severity: str, letter: str, aql) -> str:
    """The printed cell of a master table: "Ac/Re", "↓", "↑" or "·"."""
    table, _ = _TABLES[severity]
    return table[letter].split()[aql_index(aql)]


@dataclass(frozen=True, slots=True)
class Plan:
    """A single sampling plan: inspect ``sample_size`` items; accept with ``ac`` or fewer
    nonconforming, do not accept with ``re`` or more."""

    severity: str
    letter: str  # the code letter of the lot (Table 1)
    plan_letter: str  # the row of the master table the arrows led to
    sample_size: int
    ac: int | None
    re: int | None
    hundred_percent: bool = False  # the sample equals or exceeds the lot: inspect every item
    lot_size: int | None = None

    def accepts(self, nonconforming: int) -> bool:
        if self.hundred_percent and self.ac is None:
            return nonconforming == 0
        return nonconforming <= self.ac

    def __str__(self) -> str:
        if self.ac is None:
            return f"100 % inspection ({self.sample_size} items)"
        base = f"code {self.letter}, n = {self.sample_size}, Ac {self.ac}, Re {self.re}"
        return base + (" (100 %)" if self.hundred_percent else "")


def _letters(severity: str) -> list[str]:
    return list(_TABLES[severity][0])


def plan_for_letter(severity: str, letter: str, aql) -> Plan:
    """The plan of a master table for a code letter and AQL, arrows followed."""
    if severity not in _TABLES:
        raise SamplingError(f"“{severity}” is not a severity; use normal, tightened or reduced.")
    table, sizes = _TABLES[severity]
    if letter not in table:
        raise SamplingError(f"{letter} is not a code letter of the {severity} table.")
    j = aql_index(aql)
    letters = _letters(severity)
    i = letters.index(letter)
    first = table[letter].split()[j]
    step = {"↓": 1, "↑": -1}.get(first, 0)
    k = i
    for _ in range(2 * len(letters)):  # each direction at most once
        text = table[letters[k]].split()[j]
        if "/" in text:
            ac, re = (int(x) for x in text.split("/"))
            row = letters[k]
            return Plan(severity, letter, row, sizes[row], ac, re)
        if step == 0:
            break
        k += step
        if k < 0:
            # An ↑ in the top row has no plan above it: the first plan below (see the docstring).
            step, k = 1, i + 1
        if k >= len(letters):
            # A ↓ in the last row has no plan below it: the first plan above.
            step, k = -1, i - 1
    size = sizes[letters[min(max(k, 0), len(letters) - 1)]]
    return Plan(severity, letter, letter, size, None, None, hundred_percent=True)


def plan(lot_size: int, level: str, aql, severity: str = "normal") -> Plan:
    """The single sampling plan for a lot: code letter from Table 1, plan from Table 2-A/B/C.

    When the sample equals or exceeds the lot, every item is inspected with the plan's numbers."""
    letter = code_letter(lot_size, level)
    found = plan_for_letter(severity, letter, aql)
    if found.ac is None or found.sample_size >= lot_size:
        return Plan(
            found.severity,
            letter,
            found.plan_letter,
            lot_size,
            found.ac,
            found.re,
            hundred_percent=True,
            lot_size=lot_size,
        )
    return Plan(
        found.severity, letter, found.plan_letter, found.sample_size, found.ac, found.re, lot_size=lot_size
    )


def tighter_ac(letter: str, aql) -> int | None:
    """The acceptance number the same normal sample would have had one AQL step tighter (9.3.3.2
    a): the plan one column to the left in the row the arrows led to; None at the smallest AQL."""
    j = aql_index(aql)
    found = plan_for_letter("normal", letter, aql)
    if j == 0 or found.ac is None:
        return None
    text = NORMAL[found.plan_letter].split()[j - 1]
    return int(text.split("/")[0]) if "/" in text else 0


# --- Clause 9.3: switching rules ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class State:
    """Where a plan stands between lots (clause 9.3 and 9.4)."""

    severity: str = "normal"
    # Results on original inspection since normal inspection started (True = accepted), newest last.
    normal_results: tuple[bool, ...] = ()
    switching_score: int = 0  # 9.3.3.2, counted under normal inspection only
    tightened_accepted_run: int = 0  # consecutive lots accepted under tightened inspection
    tightened_not_accepted: int = 0  # lots not accepted since tightened inspection started
    discontinued: bool = False  # 9.4: acceptance inspection stopped until the supplier acts


@dataclass(frozen=True, slots=True)
class Lot:
    """What the switching rules need to know of one lot on original inspection."""

    accepted: bool
    ac: int | None = None  # the acceptance number of the plan used
    nonconforming: int = 0
    tighter_ac: int | None = None  # Ac one AQL step tighter, same sample (normal inspection)
    production_steady: bool = True
    reduced_approved: bool = False  # the responsible authority (quality manager) approves reduced
    normal_requested: bool = False  # the responsible authority asks to return to normal


@dataclass(frozen=True, slots=True)
class Switch:
    """The state after a lot, and, when the severity changed, why (in the standard's words)."""

    state: State
    reason: str = ""
    changed: bool = field(default=False)


def _score(score: int, lot: Lot) -> int:
    """9.3.3.2: the switching score after a lot under normal inspection (single sampling)."""
    if lot.ac is None:
        return score
    if lot.ac >= 2:
        tighter = lot.tighter_ac if lot.tighter_ac is not None else -1
        return score + 3 if lot.accepted and lot.nonconforming <= tighter else 0
    return score + 2 if lot.accepted else 0


def switch(state: State, lot: Lot) -> Switch:
    """Clause 9.3: the severity for the next lot after ``lot``, and why it changed."""
    if state.discontinued:
        return Switch(state, "Acceptance inspection is discontinued (9.4) until the supplier has acted.")
    if state.severity == "normal":
        results = (*state.normal_results, lot.accepted)[-5:]
        score = _score(state.switching_score, lot)
        if results.count(False) >= 2:
            return Switch(
                State("tightened"),
                "Normal → tightened: 2 of 5 or fewer consecutive lots were not accepted on original "
                "inspection (ISO 2859-1, 9.3.2).",
                True,
            )
        if score >= 30 and lot.production_steady and lot.reduced_approved:
            return Switch(
                State("reduced"),
                f"Normal → reduced: switching score {score} ≥ 30, production steady, reduced "
                "inspection approved by the quality manager (ISO 2859-1, 9.3.3).",
                True,
            )
        return Switch(State("normal", results, score))
    if state.severity == "tightened":
        if lot.accepted:
            run = state.tightened_accepted_run + 1
            if run >= 5:
                return Switch(
                    State("normal"),
                    "Tightened → normal: 5 consecutive lots accepted on original inspection "
                    "(ISO 2859-1, 9.3.3.1).",
                    True,
                )
            return Switch(
                State(
                    "tightened",
                    tightened_accepted_run=run,
                    tightened_not_accepted=state.tightened_not_accepted,
                )
            )
        count = state.tightened_not_accepted + 1
        if count >= 5:
            return Switch(
                State("tightened", tightened_not_accepted=count, discontinued=True),
                "Acceptance inspection discontinued: 5 lots not accepted under tightened inspection "
                "(ISO 2859-1, 9.4). Resume under tightened inspection once the supplier or process "
                "has acted.",
                True,
            )
        return Switch(State("tightened", tightened_not_accepted=count))
    # reduced
    if not lot.accepted:
        why = "a lot was not accepted"
    elif not lot.production_steady:
        why = "production became irregular or delayed"
    elif lot.normal_requested:
        why = "the quality manager asked for normal inspection"
    else:
        return Switch(state)
    return Switch(State("normal"), f"Reduced → normal: {why} (ISO 2859-1, 9.3.4).", True)


def resume(state: State) -> Switch:
    """9.4: after the supplier or process has acted, inspection resumes under tightened rules."""
    return Switch(
        State("tightened"),
        "Acceptance inspection resumed under tightened inspection after corrective action (9.4).",
        True,
    )
