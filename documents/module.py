"""Document control (ISO 9001 7.5): the module's one declaration."""

from qms.modules import Module, Searchable

from .audit import SECTIONS
from .demo import load
from .due import PROVIDERS
from .models import Document

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
    walk="tests.documents.walk",
)
