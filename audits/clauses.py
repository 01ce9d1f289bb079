"""The clauses of ISO 9001:2015 an internal audit is planned against, as data: the number, its
title, and the question the checklist asks of it when the company has written none of its own."""

from __future__ import annotations

CLAUSES: list[tuple[str, str, str]] = [
    (
        "4.1",
        "Understanding the organization and its context",
        "Are the external and internal issues relevant to the QMS determined and reviewed?",
    ),
    (
        "4.2",
        "Needs and expectations of interested parties",
        "Are the interested parties and their requirements determined and monitored?",
    ),
    (
        "4.3",
        "Scope of the quality management system",
        "Is the scope documented, with any requirement not applicable justified?",
    ),
    (
        "4.4",
        "Quality management system and its processes",
        "Are the processes, their inputs, outputs, criteria, owners and interactions determined?",
    ),
    (
        "5.1",
        "Leadership and commitment",
        "Does top management take accountability for the effectiveness of the QMS?",
    ),
    ("5.2", "Quality policy", "Is the quality policy documented, communicated and understood?"),
    (
        "5.3",
        "Roles, responsibilities and authorities",
        "Are responsibilities and authorities assigned and communicated?",
    ),
    (
        "6.1",
        "Actions to address risks and opportunities",
        "Are risks and opportunities determined, and actions planned and evaluated?",
    ),
    (
        "6.2",
        "Quality objectives and planning to achieve them",
        "Are objectives measurable, monitored and planned with owners and dates?",
    ),
    ("6.3", "Planning of changes", "Are changes to the QMS carried out in a planned manner?"),
    ("7.1", "Resources", "Are the people, infrastructure, environment and monitoring resources provided?"),
    (
        "7.1.5",
        "Monitoring and measuring resources",
        "Are gauges calibrated, identified and safeguarded, with out-of-tolerance impact assessed?",
    ),
    (
        "7.2",
        "Competence",
        "Are the competences needed determined, and the people competent with records to show it?",
    ),
    ("7.3", "Awareness", "Are people aware of the policy, objectives and their contribution?"),
    ("7.4", "Communication", "Are internal and external communications determined?"),
    (
        "7.5",
        "Documented information",
        "Is documented information controlled: approved, current revision at the point of use?",
    ),
    (
        "8.1",
        "Operational planning and control",
        "Are the criteria for processes and products planned and controlled?",
    ),
    (
        "8.2",
        "Requirements for products and services",
        "Are customer requirements reviewed before commitment, and changes communicated?",
    ),
    (
        "8.3",
        "Design and development",
        "Are design inputs, reviews, verification, validation and changes controlled?",
    ),
    (
        "8.4",
        "Control of externally provided processes, products and services",
        "Are suppliers evaluated, monitored and their changes assessed?",
    ),
    (
        "8.5",
        "Production and service provision",
        "Is production carried out under controlled conditions, with identification and traceability?",
    ),
    (
        "8.6",
        "Release of products and services",
        "Is release done only after the planned arrangements are met, with records of who released?",
    ),
    (
        "8.7",
        "Control of nonconforming outputs",
        "Are nonconforming outputs identified, controlled and dispositioned?",
    ),
    (
        "9.1",
        "Monitoring, measurement, analysis and evaluation",
        "Are the results monitored, analysed and evaluated, customer satisfaction included?",
    ),
    (
        "9.2",
        "Internal audit",
        "Is the audit programme planned on importance and previous results, with impartial auditors?",
    ),
    (
        "9.3",
        "Management review",
        "Is the management review held with every input of 9.3.2, and are its outputs followed up?",
    ),
    (
        "10.2",
        "Nonconformity and corrective action",
        "Are nonconformities reacted to, causes found, actions taken and their effectiveness reviewed?",
    ),
    ("10.3", "Continual improvement", "Are opportunities for improvement identified and acted upon?"),
]

TITLES = {number: title for number, title, _ in CLAUSES}
QUESTIONS = {number: question for number, _, question in CLAUSES}
CHOICES = [(number, f"{number} {title}") for number, title, _ in CLAUSES]


def label(number: str) -> str:
    title = TITLES.get(number)
    return f"{number} {title}" if title else number


def sort_key(number: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in number.split("."))
