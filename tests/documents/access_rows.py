"""Who may use which page of document control (merged into tests/qms/access_table.py; the
module's older rows are still in that table).

The acknowledgments a figure counted are read like the register of who has not yet acknowledged:
documents are company-wide, so everyone signed in reads them; nobody posts to the page."""

from tests.qms.access_table import SIGNED_IN, Row

ROWS = {
    # The document and revision pickers' searches (JSON): within the reader's scope.
    "picker_search documents.document": Row(get=SIGNED_IN),
    "picker_search documents.revision": Row(get=SIGNED_IN),
    "documents:acknowledgment_due": Row(get=SIGNED_IN),
}
