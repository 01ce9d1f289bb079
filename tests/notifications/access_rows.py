"""Who may use the webhook pages (merged into tests/qms/access_table.py).

The administrator keeps webhooks (the URL, the events, the user each runs as, the secret); the
quality office reads them and their delivery log and may send a failed delivery again, as it does
with the Email log. Auditors and everyone else: neither (the log holds what left the system for
someone else, as the Email log holds other people's mail)."""

from tests.qms.access_table import ADMIN, QUALITY_OFFICE, Row

ADMIN_ONLY = frozenset({ADMIN})

ROWS = {
    "notifications:webhook_list": Row(get=QUALITY_OFFICE),
    "notifications:webhook_detail": Row(get=QUALITY_OFFICE),
    "notifications:webhook_create": Row(get=ADMIN_ONLY, post=ADMIN_ONLY),
    "notifications:webhook_update": Row(get=ADMIN_ONLY, post=ADMIN_ONLY),
    "notifications:webhook_secret": Row(post=ADMIN_ONLY),
    "notifications:webhookdelivery_list": Row(get=QUALITY_OFFICE),
    "notifications:webhookdelivery_detail": Row(get=QUALITY_OFFICE),
    "notifications:webhookdelivery_retry": Row(post=QUALITY_OFFICE),
}
