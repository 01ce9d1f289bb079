"""The heat map (qms.charts.heat_map): one row per thing, one column per day, each cell red below
its row's minimum, amber at it, green above it, its label a link to the records behind the row;
no style attribute (CSP), text escaped."""

import re

from qms.charts import HEAT, heat_map


def test_cells_are_coloured_against_their_rows_minimum_and_rows_link_to_their_records():
    svg = str(
        heat_map(
            ["Mon 4", "Tue 5", "Wed 6"],
            [("Heat treatment", [0, 2, 3], 2, "/training/competences/7/")],
            title="Coverage",
        )
    )
    assert svg.count(f'fill="{HEAT["below"][0]}"') >= 1 and f'fill="{HEAT["at"][0]}"' in svg
    assert f'fill="{HEAT["above"][0]}"' in svg
    assert '<a href="/training/competences/7/" aria-label="Heat treatment">' in svg
    assert "Heat treatment, Tue 5: 2 (minimum 2)" in svg
    assert "style=" not in svg


def test_long_labels_are_shortened_with_the_whole_name_kept_and_markup_escaped():
    name = "<b>Case hardening</b> furnace operation and documentation of batches"
    svg = str(heat_map(["1"], [(name, [1], 2)], title="Coverage"))
    assert "<b>" not in svg and "&lt;b&gt;Case hardening" in svg and "…" in svg


def test_nothing_to_show_says_so():
    assert "Nothing to show" in str(heat_map([], [], title="Coverage"))


def test_a_grid_judged_by_its_own_rule_shades_each_cell_and_links_it_to_its_records():
    def shade(row, column, value):
        return "below" if (2 - row) * (column + 1) >= 4 else "above"

    svg = str(
        heat_map(
            ["Severity 1", "Severity 2"],
            [
                ("Likelihood 2", [0, 3], 0, "/risks/?l=2", ["/risks/?l=2&s=1", "/risks/?l=2&s=2"]),
                ("Likelihood 1", [1, 0], 0),
            ],
            title="Risks",
            shade=shade,
            legend=(("below", "score 4 or more"), ("above", "lower")),
        )
    )
    assert svg.count(f'fill="{HEAT["below"][0]}"') == 2  # the high cell and its legend key
    assert '<a href="/risks/?l=2&amp;s=2" aria-label="Likelihood 2, Severity 2: 3">' in svg
    assert "score 4 or more" in svg
    assert "minimum" not in svg


def test_four_weeks_of_days_draw_wider_than_a_chart_so_each_cell_holds_its_number():
    days = [f"D{i}" for i in range(28)]
    wide = str(heat_map(days, [("Brazing", [1] * 28, 2)], title="Coverage"))
    assert 'class="chart chart-wide"' in wide
    assert 640 < int(re.search(r'viewBox="0 0 (\d+) ', wide).group(1)) <= 1000
    cell = float(re.search(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)"', wide).group(1))
    assert cell >= 24  # 14 units at 640 wide: a two-digit number overflowed its cell
    five = str(heat_map(list("12345"), [("Risk", [1] * 5, 2)], title="Risks"))
    assert 'class="chart"' in five and 'viewBox="0 0 640 ' in five
