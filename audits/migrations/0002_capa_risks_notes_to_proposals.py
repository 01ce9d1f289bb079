"""The CAPA's "risks and opportunities must change: yes, and which" was a yes/no and a note; it is
now a kernel link between the CAPA and each risk, proposed to the risk's owner. Every CAPA closed
with "yes" and a note becomes a proposal of the risk register (a new risk, as no register existed
to name), owned by the quality manager, with the note as what happened; its history says so.
Runs before capa drops the note."""

import datetime as dt

from django.db import migrations
from django.utils import timezone


def next_reference(schema_editor, prefix: str, year: int) -> str:
    """The kernel's counter as it was when this migration was written (a migration does not call
    live code, which may since have moved on)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO qms_referencecounter (prefix, year, last) VALUES (%s, %s, 1)
               ON CONFLICT (prefix, year) DO UPDATE SET last = qms_referencecounter.last + 1
               RETURNING last""",
            [prefix, year],
        )
        return f"{prefix}-{year}-{cursor.fetchone()[0]:04d}"


def forwards(apps, schema_editor):
    Capa = apps.get_model("capa", "Capa")
    Proposal = apps.get_model("audits", "Proposal")
    HistoricalProposal = apps.get_model("audits", "HistoricalProposal")
    User = apps.get_model("qms", "User")
    quality = User.objects.filter(role="quality", is_active=True).order_by("pk").first()
    today = timezone.localdate()
    for capa in Capa.objects.filter(risks_change=True).exclude(risks_note="").order_by("pk"):
        if Proposal.objects.filter(kind="capa", source_label="capa.capa", source_id=capa.pk).exists():
            continue
        owner = quality or capa.owner
        proposal = Proposal.objects.create(
            reference=next_reference(schema_editor, "RP", today.year),
            title=f"{capa.reference}: {capa.title}"[:200],
            owner=owner,
            department_id=owner.department_id or capa.department_id,
            due_date=today + dt.timedelta(days=14),
            status="proposed",
            created_by_id=capa.closed_by_id or capa.owner_id,
            kind="capa",
            source_label="capa.capa",
            source_id=capa.pk,
            source_reference=capa.reference,
            text=capa.risks_note,
        )
        values = {f.attname: getattr(proposal, f.attname) for f in Proposal._meta.concrete_fields}
        HistoricalProposal.objects.create(
            **values,
            history_date=timezone.now(),
            history_type="+",
            history_user_id=proposal.created_by_id,
            history_change_reason=f"From the risks note of {capa.reference} (the note became a proposal)",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0001_initial"),
        ("capa", "0004_registers_and_due_indexes"),
    ]
    run_before = [("capa", "0005_risks_note_becomes_risk_links")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
