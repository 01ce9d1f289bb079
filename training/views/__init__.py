"""The training module's pages."""

from .catalogue import (
    CompetenceCreateView,
    CompetenceDetailView,
    CompetenceListView,
    CompetenceUpdateView,
    JobRoleCreateView,
    JobRoleDetailView,
    JobRoleListView,
    JobRoleUpdateView,
)
from .files import (
    EvaluatePage,
    NeedListView,
    TrainingFileCreateView,
    TrainingFileDetailView,
    TrainingFileListView,
    TrainingFileUpdateView,
    TrainingRecordDetailView,
    TrainingRecordListView,
)
from .matrix import CoverageView, MatrixView, UnderCoverageView

__all__ = [
    "CompetenceCreateView",
    "CompetenceDetailView",
    "CompetenceListView",
    "CompetenceUpdateView",
    "CoverageView",
    "EvaluatePage",
    "JobRoleCreateView",
    "JobRoleDetailView",
    "JobRoleListView",
    "JobRoleUpdateView",
    "MatrixView",
    "NeedListView",
    "TrainingFileCreateView",
    "TrainingFileDetailView",
    "TrainingFileListView",
    "TrainingFileUpdateView",
    "TrainingRecordDetailView",
    "TrainingRecordListView",
    "UnderCoverageView",
]
