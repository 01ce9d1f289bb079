"""Route-walker builders of the calibration module: an instrument checked out, with a completed
calibration (a point, a standard, a certificate) and a draft one; an impact assessment with an
affected item; a machine with a plan, a postponement asked and a repair. The registers of
calibrations and postponements across records are filled by the same builders."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.uploads import pdf_bytes
from tests.walker import builder


@builder("calibration.instrument")
def build_instrument(owner, department) -> dict:
    from calibration import services
    from tests.calibration import factories as f

    standard = f.calibrated(department, is_reference_standard=True, type_name="Gauge block set")
    gauge = f.instrument(department, owner=owner)
    f.calibrate(gauge, standards=[standard])
    by = f.keeper(department)
    draft = f.calibrate(gauge, complete=False, standards=[standard])
    certificate = services.certificate_add(
        calibration=draft, by=by, file=SimpleUploadedFile("cert.pdf", pdf_bytes())
    )
    services.instrument_check_out(instrument=gauge, by=by, holder=owner)
    services.instrument_check_in(instrument=gauge, by=by)
    return {
        "pk": gauge.pk,
        "calibration_pk": draft.pk,
        "measurementpoint_pk": draft.points.get().pk,
        "referenceuse_pk": draft.standards.get().pk,
        "calibrationcertificate_pk": certificate.pk,
        "_record": gauge,
    }


@builder("calibration.impactassessment")
def build_assessment(owner, department) -> dict:
    from calibration import services
    from tests.calibration import factories as f

    gauge = f.instrument(department, owner=owner)
    f.calibrate(gauge, on=f.days(-200))
    failed = f.calibrate(gauge, found="25.010", left="25.000")
    assessment = failed.assessments.get()
    item = services.item_add(
        assessment=assessment,
        by=f.keeper(department),
        what="Final inspection",
        reference="LOT-1",
        title="Shaft",
    )
    return {"pk": assessment.pk, "affecteditem_pk": item.pk, "_record": assessment}


@builder("calibration.machine")
def build_machine(owner, department) -> dict:
    from calibration import services
    from tests.calibration import factories as f

    by = f.keeper(department)
    found = f.machine(department, owner=owner, counter_unit="hours", counter_value=100)
    plan = f.plan(found, responsible=owner)
    asked = services.postponement_request(plan=plan, by=by, new_due=f.days(15), reason="Backlog")
    repair = services.maintenance_record(
        machine=found, by=by, done_on=f.days(-1), done_by=owner, work_done="Replaced a belt", downtime_hours=2
    )
    return {
        "pk": found.pk,
        "plan_pk": plan.pk,
        "postponement_pk": asked.pk,
        "maintenanceevent_pk": repair.pk,
        "_record": found,
    }


@builder("calibration.calibrationcertificate")
def build_certificate(owner, department) -> dict:
    """The certificate of the instrument's draft calibration, downloaded by the kernel's file view."""
    built = build_instrument(owner, department)
    return {**built, "pk": built["calibrationcertificate_pk"]}


@builder("calibration.calibration")
def build_calibration(owner, department) -> dict:
    """Calibrations for the register across instruments: the instrument's, completed and draft."""
    return build_instrument(owner, department)


@builder("calibration.postponement")
def build_postponement(owner, department) -> dict:
    """A postponement asked for, for the register across machines."""
    return build_machine(owner, department)
