"""Audit packs: a PDF an auditor takes away, assembled from sections the modules provide.

- ``catalogue``: the sections modules declare (``AuditSection``), the screens that hold a clause's
  evidence outside the pack (``AuditScreen``), the ISO 9001 clauses 4 to 10 they sit under, the
  evidence freshness of each;
- ``render``: the pipeline (front matter, sections part by part, joined, PDF/A-3b, bookmarks),
  run by the Celery worker (``qms.services.auditpacks``);
- ``renderers``: the processes that lay the pieces out side by side (``AUDIT_PACK_RENDERERS``);
- ``pieces``: a section's HTML compacted (no whitespace between tags) and, when long, cut between
  its blocks, so memory follows the piece.

Modules import what they need from here (``from qms.auditpack import AuditSection, history_of``).
"""

from .catalogue import (
    CLAUSES,
    AuditScreen,
    AuditSection,
    Freshness,
    clause_key,
    freshness_of,
    history_of,
    listed_clause,
    screen_notes,
    section_models,
    sections,
)
from .pieces import CHUNK_CHARS, chunks, compact
from .render import PDF_VARIANT, ClauseRow, Part, Progress, clause_index, pack_build, pack_render

__all__ = [
    "CHUNK_CHARS",
    "CLAUSES",
    "PDF_VARIANT",
    "AuditScreen",
    "AuditSection",
    "ClauseRow",
    "Freshness",
    "Part",
    "Progress",
    "chunks",
    "clause_index",
    "clause_key",
    "compact",
    "freshness_of",
    "history_of",
    "listed_clause",
    "pack_build",
    "pack_render",
    "screen_notes",
    "section_models",
    "sections",
]
