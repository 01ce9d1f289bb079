"""Who may use which page, written out by hand: the route walker checks every answer against it.

One row per URL name (for a kernel URL that addresses any record model or importer, per model):
``get`` is the roles that get the page (200), ``post`` the roles whose POST — sent empty — the
view takes up: it shows the form again with its errors (200 or 400) or does it and goes on (302).
Every other role is refused: not 200 on GET; on POST 403, 404, 405 or sent to sign in first. A URL
without a row fails the walk, so a new view is added here the day it exists.

This table is written from the access matrix (qms/access.py's docstring, the README) and what each
module says of its forms, never computed from the code it checks. The walker's records belong to
quality control: ``staff`` owns them, ``head`` heads the department; ``other_head`` and
``other_staff`` are in production. Documents and processes are company-wide: production sees them,
but only their owner, their department's head and quality change them.

A form that is open only in a later state (sign a revision in review, verify a CAPA whose actions
are done) has a ``stage``: it puts the walker's record in that state, inside the transaction the
walk rolls back, and returns the URL kwargs that change (a new revision's pk).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LOGIN_PATH = "/account/login/"

ANONYMOUS, ADMIN, QUALITY, TOP, HEAD, STAFF, OTHER_HEAD, OTHER_STAFF, AUDITOR = ROLES = (
    "anonymous",
    "admin",
    "quality",
    "top",
    "head",
    "staff",
    "other_head",
    "other_staff",
    "auditor",
)

NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
WRITERS = SIGNED_IN - {AUDITOR}  # everyone who may write at all
QUALITY_OFFICE = frozenset({ADMIN, QUALITY})
# Who sees a record of quality control: the company-wide roles, the department, the owner.
SEE_QC = frozenset({ADMIN, QUALITY, TOP, HEAD, STAFF, AUDITOR})
# Who changes it: its owner, its department's head, quality. Top management only what they own.
CHANGE_QC = frozenset({ADMIN, QUALITY, HEAD, STAFF})
# A workflow button or a remove button with its reason box: everyone who sees the record may
# press it; the step's rule (or the service) refuses it with a message on the page.
PRESS_QC = SEE_QC - {AUDITOR}
# Widgets are created by heads and quality (``Widget.create_roles``), in any department.
CREATE_WIDGETS = frozenset({ADMIN, QUALITY, HEAD, OTHER_HEAD})
# Management review: top management and quality run reviews and set objectives (any of them); the
# owner and their head change theirs as on any record. The walker's review is held, chaired by top.
RUN_REVIEWS = frozenset({ADMIN, QUALITY, TOP})
CHANGE_REVIEW = CHANGE_QC | {TOP}
# Training: the catalogue (competences, job roles) is company-wide, created by heads, quality and
# the HR steward, changed by its owner (the walker's head), the head and quality. A training file
# is personal: the person (staff), their head and the company-wide roles read it; only the head,
# quality and HR keep it, never the person themselves.
CREATE_TRAINING = frozenset({ADMIN, QUALITY, HEAD, OTHER_HEAD})
KEEP_QC = frozenset({ADMIN, QUALITY, HEAD})


@dataclass(frozen=True)
class Row:
    get: frozenset[str] = NOBODY
    post: frozenset[str] = NOBODY
    stage: Callable[[dict], dict] | None = None


# --- stages: the state in which a form is open --------------------------------------------------


def _draft(world):
    from tests.documents.factories import draft

    document = world["records"]["documents.document"]["_record"]
    return draft(document, by=world["roles"][STAFF], summary="Walked draft")


def a_draft_revision(world) -> dict:
    """The document's next revision, still a draft."""
    revision = _draft(world)
    return {"revision_pk": revision.pk, "file_pk": revision.files.get().pk}


def a_revision_waiting_for_quality(world) -> dict:
    """The next revision sent for approval by the quality manager."""
    from documents import services

    revision = _draft(world)
    services.revision_submit(revision=revision, by=world["roles"][STAFF], approvers=[world["roles"][QUALITY]])
    return {"revision_pk": revision.pk}


def capa_in(status: str) -> Callable[[dict], dict]:
    def stage(world) -> dict:
        from capa.models import Capa

        # The steps to get there (root cause, actions done) have their own tests; here only the
        # state matters.
        Capa.objects.filter(pk=world["records"]["capa.capa"]["pk"]).update(status=status)
        return {}

    stage.__doc__ = f"The walker's CAPA in {status}."
    return stage


TABLE: dict[str, Row] = {
    # --- the kernel's pages
    "my_work": Row(get=SIGNED_IN),
    "health": Row(get=EVERYONE),
    "overview": Row(get=SIGNED_IN),
    # The items behind a number: everyone may open it; it lists only what their scope reaches.
    "due_list": Row(get=SIGNED_IN),
    "search": Row(get=SIGNED_IN),
    # The person picker's search (JSON): names, roles and departments of colleagues.
    "people_search": Row(get=SIGNED_IN),
    "access_log": Row(get=frozenset({ADMIN, QUALITY, AUDITOR})),
    "access_unlock": Row(post=frozenset({ADMIN})),
    # Asking for a pack is the one write an auditor may make (qms.access.AUDITOR_MAY_POST). A pack
    # is seen by who asked for it (the walker's is staff's) and the quality office.
    "audit_pack": Row(get=SIGNED_IN, post=SIGNED_IN),
    "audit_pack_detail": Row(get=QUALITY_OFFICE | {STAFF}),
    "audit_pack_progress": Row(get=QUALITY_OFFICE | {STAFF}),
    "audit_pack_download": Row(get=QUALITY_OFFICE | {STAFF}),
    "process_list": Row(get=SIGNED_IN),
    "process_create": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    "process_update": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    "import kernelapp.widgets": Row(get=CREATE_WIDGETS, post=CREATE_WIDGETS),
    # --- signing in and the own account
    # A signed-in user posting the sign-in form is sent on to their work.
    "login": Row(get=frozenset({ANONYMOUS}), post=EVERYONE - {AUDITOR}),
    # The code's page comes only after a password was typed (tests/security/test_two_factor.py);
    # without one, a GET or a POST is sent back to sign in again.
    "login_code": Row(post=EVERYONE - {AUDITOR}),
    "two_factor": Row(get=SIGNED_IN, post=SIGNED_IN),
    "logout": Row(post=SIGNED_IN),
    "password_change": Row(get=SIGNED_IN, post=SIGNED_IN),
    "password_change_done": Row(get=SIGNED_IN),
    "password_reset": Row(get=EVERYONE, post=EVERYONE - {AUDITOR}),
    "password_reset_done": Row(get=EVERYONE),
    "password_reset_confirm": Row(get=EVERYONE, post=EVERYONE - {AUDITOR}),
    "password_reset_complete": Row(get=EVERYONE),
    "profile": Row(get=SIGNED_IN, post=WRITERS),
    # --- on every record's page: attachments, comments, links; the one download
    "attachment_upload documents.document": Row(post=CHANGE_QC),
    "attachment_upload capa.nonconformity": Row(post=CHANGE_QC),
    "attachment_upload capa.capa": Row(post=CHANGE_QC),
    "attachment_upload kernelapp.widget": Row(post=CHANGE_QC),
    "file_download qms.attachment": Row(get=SEE_QC),
    "file_download documents.revisionfile": Row(get=SIGNED_IN),
    "file_download kernelapp.partfile": Row(get=SEE_QC),
    # Whoever sees a record may comment on it.
    "comment_create documents.document": Row(post=WRITERS),
    "comment_create capa.nonconformity": Row(post=PRESS_QC),
    "comment_create capa.capa": Row(post=PRESS_QC),
    "comment_create kernelapp.widget": Row(post=PRESS_QC),
    "link_create documents.document": Row(post=CHANGE_QC),
    "link_create capa.nonconformity": Row(post=CHANGE_QC),
    "link_create capa.capa": Row(post=CHANGE_QC),
    "link_create kernelapp.widget": Row(post=CHANGE_QC),
    "link_delete documents.document": Row(post=CHANGE_QC),
    "link_delete capa.nonconformity": Row(post=CHANGE_QC),
    "link_delete capa.capa": Row(post=CHANGE_QC),
    "link_delete kernelapp.widget": Row(post=CHANGE_QC),
    "attachment_upload reviews.review": Row(post=CHANGE_REVIEW),
    "attachment_upload reviews.objective": Row(post=CHANGE_REVIEW),
    "comment_create reviews.review": Row(post=PRESS_QC),
    "comment_create reviews.objective": Row(post=WRITERS),
    "link_create reviews.review": Row(post=CHANGE_REVIEW),
    "link_create reviews.objective": Row(post=CHANGE_REVIEW),
    "link_delete reviews.review": Row(post=CHANGE_REVIEW),
    "link_delete reviews.objective": Row(post=CHANGE_REVIEW),
    "attachment_upload training.competence": Row(post=KEEP_QC),
    "attachment_upload training.jobrole": Row(post=KEEP_QC),
    "attachment_upload training.trainingfile": Row(post=KEEP_QC),
    "comment_create training.competence": Row(post=WRITERS),
    "comment_create training.jobrole": Row(post=WRITERS),
    "comment_create training.trainingfile": Row(post=PRESS_QC),
    "link_create training.competence": Row(post=KEEP_QC),
    "link_create training.jobrole": Row(post=KEEP_QC),
    "link_create training.trainingfile": Row(post=KEEP_QC),
    "link_delete training.competence": Row(post=KEEP_QC),
    "link_delete training.jobrole": Row(post=KEEP_QC),
    "link_delete training.trainingfile": Row(post=KEEP_QC),
    # The evidence of a colleague's training whose evaluation was handed to the walker's staff.
    "file_download training.trainingevidence": Row(get=SEE_QC),
    # --- the Django admin: the administrator only (every other admin URL: see ``problem``)
    "admin:index": Row(get=frozenset({ADMIN}), post=frozenset({ADMIN})),
    "admin:qms_user_changelist": Row(get=frozenset({ADMIN}), post=frozenset({ADMIN})),
    "admin:qms_user_add": Row(get=frozenset({ADMIN}), post=frozenset({ADMIN})),
    "admin:qms_department_changelist": Row(get=frozenset({ADMIN}), post=frozenset({ADMIN})),
    # --- the email log: the quality office's
    "notifications:delivery_list": Row(get=QUALITY_OFFICE),
    "notifications:delivery_detail": Row(get=QUALITY_OFFICE),
    "notifications:delivery_retry": Row(post=QUALITY_OFFICE),
    # --- document control: documents are company-wide
    "documents:document_list": Row(get=SIGNED_IN),
    "documents:document_create": Row(get=WRITERS, post=WRITERS),
    "documents:document_detail": Row(get=SIGNED_IN),
    "documents:document_history": Row(get=SIGNED_IN),
    "documents:document_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "documents:document_transition": Row(post=WRITERS),
    "documents:acknowledgment_register": Row(get=SIGNED_IN),
    "documents:revision_detail": Row(get=SIGNED_IN),
    "documents:revision_file_add": Row(post=CHANGE_QC, stage=a_draft_revision),
    "documents:revision_file_remove": Row(post=WRITERS, stage=a_draft_revision),
    "documents:document_new_revision": Row(get=CHANGE_QC, post=CHANGE_QC),
    "documents:document_periodic_review": Row(get=CHANGE_QC, post=CHANGE_QC),
    # Anyone who reads a document may ask for a change to it.
    "documents:document_change_request": Row(get=WRITERS, post=WRITERS),
    "documents:revision_edit": Row(get=CHANGE_QC, post=CHANGE_QC, stage=a_draft_revision),
    "documents:revision_submit": Row(get=CHANGE_QC, post=CHANGE_QC, stage=a_draft_revision),
    # Only the people asked to sign it, whatever their rights on the document.
    "documents:revision_sign": Row(
        get=frozenset({QUALITY}), post=frozenset({QUALITY}), stage=a_revision_waiting_for_quality
    ),
    "documents:changerequest_decide": Row(get=CHANGE_QC, post=CHANGE_QC),
    # "I have read it": only the person asked to read it (the walker's owner).
    "documents:acknowledgment_confirm": Row(post=frozenset({STAFF})),
    # --- NCR and CAPA: department records
    "capa:nonconformity_list": Row(get=SIGNED_IN),
    "capa:nonconformity_create": Row(get=WRITERS, post=WRITERS),
    "capa:nonconformity_detail": Row(get=SEE_QC),
    "capa:nonconformity_history": Row(get=SEE_QC),
    "capa:nonconformity_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "capa:nonconformity_transition": Row(post=PRESS_QC),
    # The disposition is the department head's or quality's call, not the NCR's owner's.
    "capa:nonconformity_disposition": Row(post=frozenset({ADMIN, QUALITY, HEAD})),
    "capa:analysis": Row(get=SIGNED_IN),
    "capa:capa_list": Row(get=SIGNED_IN),
    "capa:capa_create": Row(get=WRITERS, post=WRITERS),
    "capa:capa_detail": Row(get=SEE_QC),
    "capa:capa_history": Row(get=SEE_QC),
    "capa:capa_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "capa:capa_transition": Row(post=PRESS_QC),
    "capa:capa_8d": Row(get=SEE_QC),
    "capa:capa_root_cause": Row(post=CHANGE_QC),
    "capa:capa_discipline": Row(post=CHANGE_QC),
    "capa:capa_verify": Row(post=CHANGE_QC, stage=capa_in("actions")),
    "capa:capa_close": Row(post=CHANGE_QC, stage=capa_in("verification")),
    "capa:containment_add": Row(post=CHANGE_QC),
    "capa:containment_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "capa:why_add": Row(post=CHANGE_QC),
    "capa:why_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "capa:why_remove": Row(post=PRESS_QC),
    "capa:cause_add": Row(post=CHANGE_QC),
    "capa:cause_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "capa:cause_remove": Row(post=PRESS_QC),
    "capa:action_add": Row(post=CHANGE_QC),
    "capa:action_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "capa:effectivenesscheck_plan": Row(post=CHANGE_QC, stage=capa_in("verification")),
    # Judged by the verifier or whoever may change the CAPA, never by its owner.
    "capa:effectivenesscheck_result": Row(
        post=frozenset({ADMIN, QUALITY, HEAD}), stage=capa_in("verification")
    ),
    # --- management review: reviews are department records (and their chair's and attendees');
    # objectives are company-wide (communicated, 6.2.1 f), changed by their owner, head, quality, top
    "reviews:dashboard": Row(get=SIGNED_IN),
    "reviews:inputs": Row(get=SIGNED_IN),
    "reviews:review_list": Row(get=SIGNED_IN),
    "reviews:review_create": Row(get=RUN_REVIEWS, post=RUN_REVIEWS),
    "reviews:review_detail": Row(get=SEE_QC),
    "reviews:review_history": Row(get=SEE_QC),
    "reviews:review_update": Row(get=CHANGE_REVIEW, post=CHANGE_REVIEW),
    "reviews:review_transition": Row(post=PRESS_QC),
    "reviews:review_minutes_pdf": Row(get=SEE_QC),
    # Whoever may change the review reaches these forms; the service says why a step is not
    # possible now (held once, minutes signed) beside the form.
    "reviews:review_inputs": Row(get=CHANGE_REVIEW, post=CHANGE_REVIEW),
    "reviews:review_minutes": Row(get=CHANGE_REVIEW, post=CHANGE_REVIEW),
    "reviews:review_hold": Row(post=CHANGE_REVIEW),
    # The chair (top, in the walk) signs; the review's runners are told why they may not.
    "reviews:review_sign": Row(post=CHANGE_REVIEW),
    "reviews:decision_add": Row(post=CHANGE_REVIEW),
    "reviews:decision_edit": Row(get=CHANGE_REVIEW, post=CHANGE_REVIEW),
    "reviews:decision_remove": Row(post=PRESS_QC),
    "reviews:decision_detail": Row(get=SEE_QC),
    "reviews:action_add": Row(post=CHANGE_REVIEW),
    "reviews:action_edit": Row(get=CHANGE_REVIEW, post=CHANGE_REVIEW),
    "reviews:action_step": Row(post=PRESS_QC),
    "reviews:action_detail": Row(get=SEE_QC),
    "reviews:objective_list": Row(get=SIGNED_IN),
    "reviews:objective_create": Row(get=RUN_REVIEWS, post=RUN_REVIEWS),
    "reviews:objective_detail": Row(get=SIGNED_IN),
    "reviews:objective_history": Row(get=SIGNED_IN),
    "reviews:objective_update": Row(get=CHANGE_REVIEW, post=CHANGE_REVIEW),
    "reviews:objective_transition": Row(post=WRITERS),
    "reviews:value_add": Row(post=CHANGE_REVIEW),
    "reviews:value_edit": Row(get=CHANGE_REVIEW, post=CHANGE_REVIEW),
    # --- training: the matrix and coverage (of one's own department by default), the registers
    "training:matrix": Row(get=SIGNED_IN),
    "training:coverage": Row(get=SIGNED_IN),
    "training:record_register": Row(get=SIGNED_IN),
    "training:need_register": Row(get=SIGNED_IN),
    "import training.records": Row(get=CREATE_TRAINING, post=CREATE_TRAINING),
    "import training.job_roles": Row(get=CREATE_TRAINING, post=CREATE_TRAINING),
    "import training.assignments": Row(get=CREATE_TRAINING, post=CREATE_TRAINING),
    # The competence catalogue and the job roles: company-wide.
    "training:competence_list": Row(get=SIGNED_IN),
    "training:competence_create": Row(get=CREATE_TRAINING, post=CREATE_TRAINING),
    "training:competence_detail": Row(get=SIGNED_IN),
    "training:competence_history": Row(get=SIGNED_IN),
    "training:competence_update": Row(get=KEEP_QC, post=KEEP_QC),
    "training:competence_transition": Row(post=WRITERS),
    "training:jobrole_list": Row(get=SIGNED_IN),
    "training:jobrole_create": Row(get=CREATE_TRAINING, post=CREATE_TRAINING),
    "training:jobrole_detail": Row(get=SIGNED_IN),
    "training:jobrole_history": Row(get=SIGNED_IN),
    "training:jobrole_update": Row(get=KEEP_QC, post=KEEP_QC),
    "training:jobrole_transition": Row(post=WRITERS),
    "training:requirement_add": Row(post=KEEP_QC),
    "training:requirement_edit": Row(get=KEEP_QC, post=KEEP_QC),
    "training:requirement_remove": Row(post=WRITERS),
    "training:role_document_add": Row(post=KEEP_QC),
    "training:role_document_remove": Row(post=WRITERS),
    # The walker's staff member's own training file: personal.
    "training:trainingfile_list": Row(get=SIGNED_IN),
    "training:trainingfile_create": Row(get=CREATE_TRAINING, post=CREATE_TRAINING),
    "training:trainingfile_detail": Row(get=SEE_QC),
    "training:trainingfile_history": Row(get=SEE_QC),
    "training:trainingfile_update": Row(get=KEEP_QC, post=KEEP_QC),
    "training:trainingfile_transition": Row(post=PRESS_QC),
    "training:assignment_add": Row(post=KEEP_QC),
    "training:assignment_step": Row(post=PRESS_QC),
    "training:record_add": Row(post=KEEP_QC),
    "training:record_detail": Row(get=SEE_QC),
    "training:record_step": Row(post=PRESS_QC),
    "training:evidence_add": Row(post=KEEP_QC),
    "training:evaluation_edit": Row(get=KEEP_QC, post=KEEP_QC),
    # Judged by the head (the evaluator) or whoever keeps the file; never by the trainee (staff).
    "training:evaluation_evaluate": Row(get=KEEP_QC, post=KEEP_QC),
    "training:need_add": Row(post=KEEP_QC),
    "training:need_step": Row(post=PRESS_QC),
    "training:absence_add": Row(post=KEEP_QC),
    "training:absence_edit": Row(get=KEEP_QC, post=KEEP_QC),
    "training:absence_remove": Row(post=PRESS_QC),
    # --- the kernel's example module (tests/kernelapp): department records
    "kernelapp:widget_list": Row(get=SIGNED_IN),
    "kernelapp:widget_create": Row(get=CREATE_WIDGETS, post=CREATE_WIDGETS),
    "kernelapp:widget_detail": Row(get=SEE_QC),
    "kernelapp:widget_history": Row(get=SEE_QC),
    "kernelapp:widget_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "kernelapp:widget_transition": Row(post=PRESS_QC),
    "kernelapp:widget_approve": Row(post=CHANGE_QC),
    "kernelapp:widget_rename": Row(get=CHANGE_QC, post=CHANGE_QC),
    "kernelapp:part_add": Row(post=CHANGE_QC),
    "kernelapp:part_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "kernelapp:part_remove": Row(post=PRESS_QC),
    "kernelapp:part_step": Row(post=PRESS_QC),
    "kernelapp:part_detail": Row(get=SEE_QC),
    "kernelapp:file_add": Row(post=CHANGE_QC),
    "kernelapp:file_remove": Row(post=PRESS_QC),
    "kernelapp:partfile_rename": Row(post=CHANGE_QC),
}


def _module_rows() -> None:
    """A module may keep its rows beside its tests: ``tests/<app>/access_rows.py`` with ``ROWS``
    (written with ``Row`` and the role sets above), merged here for every installed app."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        name = f"tests.{config.label}.access_rows"
        if find_spec(f"tests.{config.label}") and find_spec(name):
            rows = import_module(name).ROWS
            clash = set(rows) & set(TABLE)
            assert not clash, f"{name} repeats rows of the table: {sorted(clash)}"
            TABLE.update(rows)


_module_rows()

# Every other URL of the Django admin: nobody but the administrator gets past it (what the admin
# answers the administrator on the walker's made-up object ids is Django's business).
ADMIN_SITE = Row(get=frozenset({ADMIN}), post=frozenset({ADMIN}))


def problem(key: str, role: str, method: str, response) -> str | None:
    """What is wrong with ``response`` to ``role``'s ``method`` on the URL ``key``, or None."""
    row = TABLE.get(key)
    checked = True
    if row is None and key.startswith("admin:"):
        row, checked = ADMIN_SITE, False
    if row is None:
        return f"no row for {key!r} in tests/qms/access_table.py: write down who may use it"
    code = response.status_code
    allowed = role in (row.get if method == "GET" else row.post)
    if allowed and not checked:
        return None
    if method == "GET":
        if allowed and code != 200:
            return f"{code}, expected 200 (the table says {role} gets this page)"
        if not allowed and code == 200:
            return f"200, expected a refusal (the table does not give {role} this page)"
        return None
    # Sent to sign in first (a logout's redirect to the sign-in page is the logout done).
    to_login = code == 302 and response["Location"].startswith(LOGIN_PATH + "?next=")
    taken = code in (200, 302, 400) and not to_login
    if allowed and not taken:
        return f"{code}, expected the form taken up: 200, 302 or 400 (the table lets {role} post)"
    if not allowed and taken:
        return f"{code}, expected a refusal (the table does not let {role} post here)"
    return None
