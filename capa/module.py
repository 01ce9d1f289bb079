"""NCR and CAPA (ISO 9001 10.2): the module's one declaration."""

from qms.modules import Module, Searchable

from .audit import SECTIONS
from .demo import load
from .due import PROVIDERS
from .models import Capa, Nonconformity

MODULE = Module(
    label="NCR & CAPA",
    url_name="capa:capa_list",
    clause="10.2",
    order=20,
    due=PROVIDERS,
    audit_sections=SECTIONS,
    demo=load,
    search=[
        Searchable(Nonconformity, ("reference", "title", "part", "lot"), "Nonconformities (NCR)"),
        Searchable(Capa, ("reference", "title", "customer_reference"), "CAPAs"),
    ],
    walk="tests.capa.walk",
)
