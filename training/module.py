"""Training and competence (ISO 9001 7.2, 7.3): the module's one declaration."""

from qms.events import EventType
from qms.modules import Module, Searchable

from . import services
from .audit import SECTIONS
from .demo import load
from .due import MODULE as LABEL
from .due import PROVIDERS
from .gates import ANSWERS, DECLARED
from .imports import IMPORTERS
from .kpis import MEASURES
from .models import Competence, JobRole, TrainingFile

MODULE = Module(
    label=LABEL,
    url_name="training:matrix",
    tabs=[
        ("Matrix", "training:matrix"),
        ("Coverage", "training:coverage"),
        ("Competences", "training:competence_list"),
        ("Job roles", "training:jobrole_list"),
        ("Training files", "training:trainingfile_list"),
        ("Training records", "training:record_register"),
        ("Training needs", "training:need_register"),
    ],
    clause="7.2",
    order=30,
    url_prefix="training/",
    due=PROVIDERS,
    audit_sections=SECTIONS,
    demo=load,
    search=[
        Searchable(Competence, ("reference", "title", "workstation"), "Competences"),
        Searchable(JobRole, ("reference", "title"), "Job roles"),
        Searchable(TrainingFile, ("reference", "title"), "Training files"),
    ],
    declares=DECLARED,
    gates=ANSWERS,
    # A revision that requires training, effective: a need for everyone whose job role uses it.
    subscribes={
        "documents.revision_effective": [services.needs_for_revision],
        # Its needs are cancelled, as its acknowledgments are withdrawn.
        "documents.document_obsolete": [services.needs_for_obsolete_document],
        # A person moved to another department takes their training file along.
        "person.moved": [services.file_follows_person],
        # A person who left: their file closes, the alarms they answered go to the new head.
        "person.left": [services.file_closes_when_person_leaves],
    },
    publishes=[
        EventType(
            "training.coverage_alarm",
            "A competence has fewer qualified people than it needs in the next four weeks.",
            ("competence_id",),
            records={"competence_id": "training.competence"},
        )
    ],
    measures=MEASURES,
    importers=IMPORTERS,
    walk="tests.training.walk",
)
