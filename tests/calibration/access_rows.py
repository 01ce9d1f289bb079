"""Who may use which page of the calibration module (merged into tests/qms/access_table.py).

The walker's instrument, impact assessment and machine belong to quality control, owned by
``staff``: everyone signed in reads them (lots and inspections name them); the owner, the head and
quality change them; every writer may press a step, whose rule refuses it with a message.
Instruments, assessments and machines are created by heads, quality and the steward departments
(metrology, maintenance). Charts, registers and the suspect list are open to everyone signed in:
the registers of calibrations and postponements across records list the rows of instruments and
machines, which every department reads."""

from tests.qms.access_table import (
    ADMIN,
    CHANGE_QC,
    HEAD,
    OTHER_HEAD,
    QUALITY,
    SIGNED_IN,
    STAFF,
    WRITERS,
    Row,
)

CREATE_CAL = frozenset({ADMIN, QUALITY, HEAD, OTHER_HEAD})


def checked_out(world) -> dict:
    """The walker's instrument checked out to its owner."""
    from calibration import services
    from calibration.models import Instrument

    gauge = Instrument.objects.get(pk=world["records"]["calibration.instrument"]["pk"])
    services.instrument_check_out(instrument=gauge, by=world["roles"][HEAD], holder=world["roles"][STAFF])
    return {}


ROWS = {
    # The instrument picker's search (JSON): within the reader's scope.
    "picker_search calibration.instrument": Row(get=SIGNED_IN),
    "calibration:overview": Row(get=SIGNED_IN),
    # Imports: whoever may create instruments (the history too: it is written to their gauges).
    "import calibration.instruments": Row(get=CREATE_CAL, post=CREATE_CAL),
    "import calibration.calibrations": Row(get=CREATE_CAL, post=CREATE_CAL),
    # Labels of the instruments the register shows the user; none to print is a clear 400.
    "calibration:labels": Row(get=SIGNED_IN),
    "calibration:suspect_list": Row(get=SIGNED_IN),
    "calibration:instrument_list": Row(get=SIGNED_IN),
    "calibration:calibration_register": Row(get=SIGNED_IN),
    "calibration:instrument_create": Row(get=CREATE_CAL, post=CREATE_CAL),
    "calibration:instrument_detail": Row(get=SIGNED_IN),
    "calibration:instrument_history": Row(get=SIGNED_IN),
    "calibration:instrument_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "calibration:instrument_transition": Row(post=WRITERS),
    "calibration:instrument_check_out": Row(post=CHANGE_QC),
    "calibration:instrument_check_in": Row(post=CHANGE_QC, stage=checked_out),
    "calibration:calibration_add": Row(post=CHANGE_QC),
    "calibration:calibration_detail": Row(get=SIGNED_IN),
    "calibration:calibration_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "calibration:calibration_remove": Row(post=WRITERS),
    "calibration:calibration_step": Row(post=WRITERS),
    "calibration:point_add": Row(post=CHANGE_QC),
    "calibration:point_remove": Row(post=WRITERS),
    "calibration:standard_add": Row(post=CHANGE_QC),
    "calibration:standard_remove": Row(post=WRITERS),
    "calibration:certificate_add": Row(post=CHANGE_QC),
    "calibration:certificate_remove": Row(post=WRITERS),
    "file_download calibration.calibrationcertificate": Row(get=SIGNED_IN),
    "calibration:impactassessment_list": Row(get=SIGNED_IN),
    "calibration:impactassessment_create": Row(get=CREATE_CAL, post=CREATE_CAL),
    "calibration:impactassessment_detail": Row(get=SIGNED_IN),
    "calibration:impactassessment_history": Row(get=SIGNED_IN),
    "calibration:impactassessment_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "calibration:impactassessment_transition": Row(post=WRITERS),
    "calibration:impactassessment_where_used": Row(post=CHANGE_QC),
    "calibration:item_add": Row(post=CHANGE_QC),
    "calibration:item_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "calibration:item_remove": Row(post=WRITERS),
    "calibration:machine_list": Row(get=SIGNED_IN),
    "calibration:postponement_register": Row(get=SIGNED_IN),
    "calibration:machine_create": Row(get=CREATE_CAL, post=CREATE_CAL),
    "calibration:machine_detail": Row(get=SIGNED_IN),
    "calibration:machine_history": Row(get=SIGNED_IN),
    "calibration:machine_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "calibration:machine_transition": Row(post=WRITERS),
    "calibration:machine_counter": Row(post=CHANGE_QC),
    "calibration:plan_add": Row(post=CHANGE_QC),
    "calibration:plan_detail": Row(get=SIGNED_IN),
    "calibration:plan_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "calibration:plan_step": Row(post=WRITERS),
    "calibration:maintenanceplan_done": Row(post=CHANGE_QC),
    "calibration:maintenanceplan_postpone": Row(post=CHANGE_QC),
    "calibration:postponement_step": Row(post=WRITERS),
    "calibration:event_add": Row(post=CHANGE_QC),
}

for _label in ("calibration.instrument", "calibration.impactassessment", "calibration.machine"):
    ROWS[f"attachment_upload {_label}"] = Row(post=CHANGE_QC)
    ROWS[f"comment_create {_label}"] = Row(post=WRITERS)
    ROWS[f"link_create {_label}"] = Row(post=CHANGE_QC)
    ROWS[f"link_delete {_label}"] = Row(post=CHANGE_QC)
