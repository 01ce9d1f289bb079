"""Who may use the CAPA module's pages added beside the table (tests/qms/access_table.py holds the
rest): the register of effectiveness checks across CAPAs is open to everyone signed in, and lists
only the checks of the CAPAs their scope reaches, as the CAPA register does."""

from tests.qms.access_table import SIGNED_IN, Row

ROWS = {
    # The NCR picker's search (JSON): the NCRs the reader sees, by reference and title.
    "picker_search capa.nonconformity": Row(get=SIGNED_IN),
    "capa:check_list": Row(get=SIGNED_IN),
}
