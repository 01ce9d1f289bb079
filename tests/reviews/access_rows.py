"""Who may use the management review module's pages added beside the table
(tests/qms/access_table.py holds the rest): the register of review actions across reviews is open
to everyone signed in, and lists only the actions of the reviews their scope reaches (and those
assigned to them), as the register of reviews does."""

from tests.qms.access_table import SIGNED_IN, Row

ROWS = {
    "reviews:action_list": Row(get=SIGNED_IN),
}
