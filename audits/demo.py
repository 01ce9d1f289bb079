def load(company) -> None:
    """Filled in below."""
