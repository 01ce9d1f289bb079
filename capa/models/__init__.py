"""Nonconformities (NCR) and corrective / preventive actions (CAPA), ISO 9001 10.2 and 10.1: the
NCR (``ncr``), the CAPA record (``capa``), its analysis (``analysis``) and what it does about the
problem (``actions``)."""

from .actions import (
    PLAN_FIELDS,
    Action,
    ContainmentAction,
    EffectivenessCheck,
    analysis_frozen,
    plan_frozen,
)
from .analysis import Discipline, FishboneCause, Why
from .capa import (
    CHECK_JUDGED_STATUSES,
    CLOSED_ON_TIME,
    CLOSED_WITH_TARGET,
    DRAFT_ANALYSIS_STATUSES,
    IMPLEMENTING_KINDS,
    OPEN_ACTION_STATUSES,
    Capa,
    open_on,
)
from .ncr import CauseCategory, Nonconformity, Severity, Source

__all__ = [
    "CHECK_JUDGED_STATUSES",
    "CLOSED_ON_TIME",
    "CLOSED_WITH_TARGET",
    "DRAFT_ANALYSIS_STATUSES",
    "IMPLEMENTING_KINDS",
    "OPEN_ACTION_STATUSES",
    "PLAN_FIELDS",
    "Action",
    "Capa",
    "CauseCategory",
    "ContainmentAction",
    "Discipline",
    "EffectivenessCheck",
    "FishboneCause",
    "Nonconformity",
    "Severity",
    "Source",
    "Why",
    "open_on",
    "analysis_frozen",
    "plan_frozen",
]
