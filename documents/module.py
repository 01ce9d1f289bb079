"""Document control (ISO 9001 7.5): the module's one declaration."""

from qms.events import EventType
from qms.modules import Module, Searchable
from qms.widgets import PickerSource

from .audit import SCREENS, SECTIONS
from .demo import load
from .due import PROVIDERS
from .gates import revision_effective
from .kpis import MEASURES
from .models import Document, Revision
from .services import DOCUMENT_OBSOLETE, REVISION_EFFECTIVE, acknowledgments_end_when_person_leaves


def revision_label(revision: Revision) -> str:
    """A revision as the picker writes it, saying when it is not the one in force."""
    if revision.status == Revision.Status.EFFECTIVE:
        return str(revision)
    return f"{revision} ({revision.get_status_display().lower()})"


MODULE = Module(
    label="Documents",
    url_name="documents:document_list",
    clause="7.5",
    order=10,
    url_prefix="documents/",
    # 5,000 documents and 15,000 revisions in a ten-year archive: a plan's drawing, an
    # instrument's procedure, a lot's drawing revision are found by typing.
    pickers={
        Document: PickerSource(
            "Type a document number or title…", "Find a document", fields=("number", "title", "reference")
        ),
        Revision: PickerSource(
            "Type a document number or title…",
            "Find a revision",
            fields=("document__number", "document__title", "label"),
            related=("document",),
            # "DRW-40512 rev C (superseded)": a revision no longer in force says so where it is chosen.
            label=revision_label,
            noise=("rev", "rev.", "revision"),
        ),
    },
    due=PROVIDERS,
    audit_sections=SECTIONS,
    audit_screens=SCREENS,
    demo=load,
    search=[Searchable(Document, ("number", "reference", "title"), "Documents")],
    gates={"revision_effective": revision_effective},
    publishes=[
        EventType(
            REVISION_EFFECTIVE,
            "A revision of a document became effective: the one people now work to (training of "
            "the people affected, lots made to the drawing).",
            ("revision_id", "document_id"),
            records={"revision_id": "documents.revision", "document_id": "documents.document"},
        ),
        EventType(
            DOCUMENT_OBSOLETE,
            "A document was made obsolete: no revision of it is to be worked to any more (training "
            "on it is not needed).",
            ("document_id",),
            records={"document_id": "documents.document"},
        ),
    ],
    # A person who left reads nothing more: what still waited for them is withdrawn.
    subscribes={"person.left": [acknowledgments_end_when_person_leaves]},
    measures=MEASURES,
    walk="tests.documents.walk",
)
