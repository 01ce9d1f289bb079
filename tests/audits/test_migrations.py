"""The CAPA's "risks must change: yes, and which" note becomes a proposal of the risk register (the
note as what happened, the quality manager to decide, a history row saying where it came from),
before capa drops the note; a "no" proposes nothing."""

from tests.migrating import people, scratch_database

BEFORE = [("audits", "0001_initial"), ("capa", "0004_registers_and_due_indexes")]
AFTER = [("audits", "0002_capa_risks_notes_to_proposals"), ("capa", "0005_risks_note_becomes_risk_links")]


def test_a_capas_risks_note_becomes_a_proposal_to_the_quality_manager(django_db_blocker):
    with scratch_database(django_db_blocker) as migrate:
        apps = migrate(BEFORE)
        at = people(apps)
        head, dept, quality_manager = at.head, at.dept, at.quality_manager
        Capa = apps.get_model("capa", "Capa")
        common = {"owner_id": head.pk, "department_id": dept.pk, "created_by_id": head.pk, "status": "closed"}
        yes = Capa.objects.create(
            reference="CAPA-2025-0007",
            title="Bar stock substituted",
            risks_change=True,
            risks_note="Supplier risk class of Stahlhandel Nord to high.",
            closed_by_id=head.pk,
            **common,
        )
        Capa.objects.create(reference="CAPA-2025-0008", title="Scratches", risks_change=False, **common)

        apps = migrate(AFTER)
        Proposal = apps.get_model("audits", "Proposal")
        (proposal,) = Proposal.objects.all()
        assert (proposal.kind, proposal.source_label, proposal.source_id) == ("capa", "capa.capa", yes.pk)
        assert proposal.text == "Supplier risk class of Stahlhandel Nord to high."
        assert proposal.status == "proposed" and proposal.owner_id == quality_manager.pk
        assert proposal.risk_id is None and proposal.created_by_id == head.pk
        (row,) = apps.get_model("audits", "HistoricalProposal").objects.all()
        assert "CAPA-2025-0007" in row.history_change_reason
        assert "risks_note" not in {f.name for f in apps.get_model("capa", "Capa")._meta.get_fields()}
