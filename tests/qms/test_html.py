"""The kernel's own escaping (``qms.html``), used for register rows and filter bars, writes
exactly what Django's templates write for the same text."""

from django.utils.html import escape as django_escape

from qms.html import escape, escape_all

TEXTS = [
    "",
    "Production",
    "Jane O'Neil",
    'Gauge "A" <b>bold</b> & co',
    "&amp; already escaped",
    "a\x00b <script>",  # a NUL: escaped on its own, not split apart
    "Größe ≤ 5 µm",
]


def test_each_text_is_escaped_as_django_escapes_it():
    for text in TEXTS:
        assert escape(text) == str(django_escape(text))
    assert escape(42) == "42"


def test_a_row_of_texts_is_escaped_text_by_text():
    assert escape_all(TEXTS) == [str(django_escape(text)) for text in TEXTS]
    assert escape_all(TEXTS[1:4]) == [
        "Production",
        "Jane O&#x27;Neil",
        "Gauge &quot;A&quot; &lt;b&gt;bold&lt;/b&gt; &amp; co",
    ]
