"""Document control (ISO 9001 7.5): the module's one declaration."""

from qms.events import EventType
from qms.modules import Module, Searchable

from .audit import SECTIONS
from .demo import load
from .due import PROVIDERS
from .gates import revision_effective
from .kpis import MEASURES
from .models import Document
from .services import REVISION_EFFECTIVE

MODULE = Module(
    label="Documents",
    url_name="documents:document_list",
    clause="7.5",
    order=10,
    url_prefix="documents/",
    due=PROVIDERS,
    audit_sections=SECTIONS,
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
        )
    ],
    measures=MEASURES,
    walk="tests.documents.walk",
)
