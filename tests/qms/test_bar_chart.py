"""The bar chart (qms.charts.bar_chart): counts are totalled under the bars; rates and means carry
their unit on every bar and no total (the departments' 12.5 % and 19 % are not "Total 31.5")."""

from qms.charts import bar_chart


def test_bars_of_counts_are_totalled():
    svg = str(bar_chart([("Material", 3, "/capa/?cause=material"), ("Method", 2)], title="Causes"))
    assert "Total 5" in svg
    # The link is named by what its bar shows (its <title> is a tooltip a screen reader skips).
    assert '<a href="/capa/?cause=material" aria-label="Material: 3">' in svg


def test_bars_of_a_rate_carry_their_unit_and_no_total():
    svg = str(bar_chart([("Production", 12.5), ("Quality Control", 19)], title="On time", unit="%"))
    assert "Total" not in svg
    assert ">12.5%</text>" in svg and ">19%</text>" in svg
    assert "Production: 12.5%" in svg
