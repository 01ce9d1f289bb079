"""Small helpers shared by tests."""


def body(response) -> str:
    """A response's text, whether it was streamed (CSV exports) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def field_error(response, field: str) -> str:
    """The error message shown beside ``field`` (the kernel's _form.html marks it data-field)."""
    html = response.content.decode()
    marker = f'data-field="{field}"'
    assert marker in html, f"no error beside {field}"
    start = html.index(marker)
    return html[html.index(">", start) + 1 : html.index("</div>", start)]
