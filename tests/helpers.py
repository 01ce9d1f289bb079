"""Small helpers shared by tests."""


def body(response) -> str:
    """A response's text, whether it was streamed (CSV exports) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()
