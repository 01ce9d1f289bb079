"""Who may use which page of the audits module, written from the access matrix and what the module
says of its records (the route walker checks every answer against it).

The walker's records: the programme is company-wide, owned by the walker's staff member (the quality
manager owns programmes in practice; the owner and quality change it). The audit is run by quality
control and led by the walker's staff member (a qualified internal auditor) of a third department
(the audited department reads it, its head never changes it); only the lead auditor, the team and
quality change it. The finding belongs to quality control (audited by someone of another
department): its auditors and quality write it, the department reads and answers it. The risk
register is company-wide; the owner, their head and quality change a risk; heads and quality record
them. A proposal is made by live records (or by quality, by hand): whoever decides it (the walker's staff
member) and their head and quality accept or dismiss it."""

from tests.qms.access_table import (
    ADMIN,
    CHANGE_QC,
    CREATE_WIDGETS,
    PRESS_QC,
    QUALITY,
    QUALITY_OFFICE,
    SEE_QC,
    SIGNED_IN,
    STAFF,
    WRITERS,
    Row,
)

CHANGE_OWN = frozenset({ADMIN, QUALITY, STAFF})  # the owner or lead auditor, and quality
CREATE_RISKS = CREATE_WIDGETS  # heads and quality, any department

ROWS = {
    "audits:overview": Row(get=SIGNED_IN),
    # --- the programme: company-wide
    "audits:programme_list": Row(get=SIGNED_IN),
    "audits:programme_create": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    "audits:programme_detail": Row(get=SIGNED_IN),
    "audits:programme_history": Row(get=SIGNED_IN),
    "audits:programme_update": Row(get=CHANGE_OWN, post=CHANGE_OWN),
    "audits:programme_transition": Row(post=WRITERS),
    "audits:question_add": Row(post=CHANGE_OWN),
    "audits:question_edit": Row(get=CHANGE_OWN, post=CHANGE_OWN),
    "audits:question_remove": Row(post=WRITERS),
    "attachment_upload audits.programme": Row(post=CHANGE_OWN),
    "comment_create audits.programme": Row(post=WRITERS),
    "link_create audits.programme": Row(post=CHANGE_OWN),
    "link_delete audits.programme": Row(post=CHANGE_OWN),
    # --- audits: read by the running and the audited department; run by the lead, team, quality
    "audits:audit_list": Row(get=SIGNED_IN),
    "audits:audit_create": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    "audits:audit_detail": Row(get=SEE_QC),
    "audits:audit_history": Row(get=SEE_QC),
    "audits:audit_update": Row(get=CHANGE_OWN, post=CHANGE_OWN),
    "audits:audit_transition": Row(post=PRESS_QC),
    "audits:audit_report": Row(post=CHANGE_OWN),
    "audits:audit_report_pdf": Row(get=SEE_QC),
    "audits:item_add": Row(post=CHANGE_OWN),
    "audits:item_detail": Row(get=SEE_QC),
    "audits:item_edit": Row(get=CHANGE_OWN, post=CHANGE_OWN),
    "audits:item_remove": Row(post=PRESS_QC),
    "audits:photo_add": Row(post=CHANGE_OWN),
    "audits:photo_remove": Row(post=PRESS_QC),
    "file_download audits.checklistphoto": Row(get=SEE_QC),
    "attachment_upload audits.audit": Row(post=CHANGE_OWN),
    "comment_create audits.audit": Row(post=PRESS_QC),
    "link_create audits.audit": Row(post=CHANGE_OWN),
    "link_delete audits.audit": Row(post=CHANGE_OWN),
    # --- findings: the audited department's record, written by its auditors and quality
    "audits:finding_list": Row(get=SIGNED_IN),
    "audits:finding_create": Row(get=WRITERS, post=WRITERS),
    "audits:finding_detail": Row(get=SEE_QC),
    "audits:finding_history": Row(get=SEE_QC),
    "audits:finding_update": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    "audits:finding_transition": Row(post=PRESS_QC),
    "attachment_upload audits.finding": Row(post=QUALITY_OFFICE),
    "comment_create audits.finding": Row(post=PRESS_QC),
    "link_create audits.finding": Row(post=QUALITY_OFFICE),
    "link_delete audits.finding": Row(post=QUALITY_OFFICE),
    # --- the risk register: company-wide
    "audits:risk_list": Row(get=SIGNED_IN),
    "audits:risk_create": Row(get=CREATE_RISKS, post=CREATE_RISKS),
    "audits:risk_detail": Row(get=SIGNED_IN),
    "audits:risk_history": Row(get=SIGNED_IN),
    "audits:risk_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "audits:risk_transition": Row(post=WRITERS),
    "audits:risk_assess": Row(post=CHANGE_QC),
    "audits:action_add": Row(post=CHANGE_QC),
    "audits:action_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "audits:action_step": Row(post=WRITERS),
    "attachment_upload audits.risk": Row(post=CHANGE_QC),
    "comment_create audits.risk": Row(post=WRITERS),
    "link_create audits.risk": Row(post=CHANGE_QC),
    "link_delete audits.risk": Row(post=CHANGE_QC),
    # --- proposals: made by live records; decided by their owner, the head, quality
    "audits:proposal_list": Row(get=SIGNED_IN),
    "audits:proposal_create": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    "audits:proposal_detail": Row(get=SEE_QC),
    "audits:proposal_history": Row(get=SEE_QC),
    "audits:proposal_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "audits:proposal_transition": Row(post=PRESS_QC),
    "audits:proposal_accept": Row(post=CHANGE_QC),
    "attachment_upload audits.proposal": Row(post=CHANGE_QC),
    "comment_create audits.proposal": Row(post=PRESS_QC),
    "link_create audits.proposal": Row(post=CHANGE_QC),
    "link_delete audits.proposal": Row(post=CHANGE_QC),
}
