"""Due items of the training module for the kernel's registry (My work, the Overview, alerts,
escalations, the weekly digest): training needs owed by the person, effectiveness evaluations
owed by the evaluator, and coverage alarms owed by the head who answers for the competence, each
in the department of whoever owes it."""

from qms.due_providers import ChildDueProvider, QuerysetDueProvider

from .models import CoverageAlarm, Evaluation, TrainingNeed

MODULE = "Training"

PROVIDERS = [
    ChildDueProvider(TrainingNeed, module=MODULE, kind="Training need", title_field="title"),
    QuerysetDueProvider(
        module=MODULE,
        kind="Effectiveness evaluation",
        queryset=lambda: Evaluation.objects.filter(
            status="pending", record__status="recorded", record__file__status="open"
        ),
        url_name="training:evaluation_evaluate",
        key_prefix="training.evaluation",
        reference_field="record__file__reference",
        title_field="title",
        owner_field="evaluator_id",
        due_field="due_date",
        url_fields=("record__file_id", "record_id", "pk"),
    ),
    QuerysetDueProvider(
        module=MODULE,
        kind="Coverage alarm",
        queryset=lambda: CoverageAlarm.objects.filter(status=CoverageAlarm.Status.OPEN),
        url_name="training:competence_detail",
        key_prefix="training.coverage",
        reference_field="competence__reference",
        title_field="title",
        owner_field="owner_id",
        due_field="since",
        url_pk_field="competence_id",
    ),
]
