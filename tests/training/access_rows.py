"""Who may use which page of the training module (merged into tests/qms/access_table.py; the
module's older rows are still in that table).

The processes under their minimum coverage on a day are read like the matrix and the coverage:
everyone signed in reads their own department's by default (those who see the company, the whole
company's); nobody posts to it."""

from tests.qms.access_table import SIGNED_IN, Row

ROWS = {
    "training:under_coverage": Row(get=SIGNED_IN),
}
