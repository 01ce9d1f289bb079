"""Text shortened for a label: at a word boundary, with "…", whole when it fits."""

from qms.text import shorten


def test_a_long_text_is_cut_after_the_last_whole_word_with_an_ellipsis():
    answer = "Old drawing printouts are not withdrawn when a revision is released to the shop floor"
    assert shorten(answer, 60) == "Old drawing printouts are not withdrawn when a revision is…"


def test_a_text_that_fits_is_shown_whole_on_one_line():
    assert shorten("Offsets set\n  by hand", 60) == "Offsets set by hand"
    assert shorten("Offsets set by hand", 19) == "Offsets set by hand"


def test_a_cut_at_a_space_keeps_the_last_word_and_drops_trailing_punctuation():
    assert shorten("Offsets set, by hand", 13) == "Offsets set…"


def test_one_long_word_is_cut_inside_rather_than_left_empty():
    assert shorten("Supercalifragilisticexpialidocious", 10) == "Supercali…"
