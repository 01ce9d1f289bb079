"""Who may use which URL of the API (merged into tests/qms/access_table.py).

The API reads and writes with the screens' rules, so its rows are the screens' rows: a record's
endpoint is open to whoever gets the record's page, a register's POST to whoever may use its
"New" form, a record's rows' POST to whoever may add them on its page, a workflow step to
whoever sees the record but the auditor (the step's own rule then answers, here the missing
step's name: 400). Every signed-in role gets the schema, the docs page, who-am-I, departments
and due items; an auditor's POST is refused everywhere (the walk checks it). Anonymous callers
get 401, not a sign-in page."""

from api.resources import installed
from qms.views.children import spec_of
from tests.qms.access_table import AUDITOR, NOBODY, SIGNED_IN, TABLE, Row


def _screen_get(model) -> frozenset:
    """Who gets the page of a record of ``model`` (a child row: its record's page)."""
    from qms import access

    root = access.record_model(model)
    opts = root._meta
    return TABLE[f"{opts.app_label}:{opts.model_name}_detail"].get


def _rows() -> dict:
    rows = {
        "api:schema": Row(get=SIGNED_IN),
        "api:docs": Row(get=SIGNED_IN),
        "api:me": Row(get=SIGNED_IN),
        "api:departments": Row(get=SIGNED_IN),
        "api:due-items": Row(get=SIGNED_IN),
        # The token page: every signed-in role, the auditor too (a read-only token); an empty form
        # is shown again with its error, an empty revoke goes back to the page saying so.
        "api_tokens": Row(get=SIGNED_IN, post=SIGNED_IN),
        "api_token_revoke": Row(post=SIGNED_IN),
    }
    for resource in installed():
        model, opts = resource.model, resource.model._meta
        sees = _screen_get(model)
        create = TABLE[f"{opts.app_label}:{opts.model_name}_create"].post if resource.create else NOBODY
        rows[f"api:{resource.path}-list"] = Row(get=SIGNED_IN, post=create)
        rows[f"api:{resource.path}-detail"] = Row(get=sees)
        if resource.transitions:
            rows[f"api:{resource.path}-transition"] = Row(post=sees - {AUDITOR})
        for child_path, child in resource.child_models():
            adds = NOBODY
            if child_path in resource.child_adds:
                adds = TABLE[f"{opts.app_label}:{spec_of(child).name}_add"].post
            rows[f"api:{resource.path}-{child_path}"] = Row(get=sees, post=adds)
    return rows


ROWS = _rows()
