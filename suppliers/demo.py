"""Demo records of the supplier module (filled in below)."""


def load(company) -> None:
    pass
