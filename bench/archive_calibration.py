"""The calibration module's share of the ten-year archive: 4,000 instruments and gauges
(micrometers, calipers, indicators, plug and thread gauges, torque wrenches, CMMs …) in the
production cells, quality and maintenance, and 34 reference standards in the metrology lab (the
department CAL, the instruments' steward); ten years of calibrations (about 32,000, each with its
one or two measurement points as found and as left, an in-house one with the standard it was made
against). Most instruments are in service and calibrated on schedule, so their next due dates
spread over the coming year; some are overdue, a few quarantined, out of service, lost or scrapped.
About 0.7 % of calibrations found the gauge out of tolerance (adjusted, or scrapped): each opened
an impact assessment with the lots measured since and what was decided for them, the last
month's still open; a torque analyser that failed twelve days ago made the wrenches calibrated
against it suspect, one failed four years ago did the same (about 300 assessments in all).
Check-outs of the last two years, a few gauges held now. 150 machines with 300 maintenance plans,
about 7,000 maintenance events and the postponements they needed.

Bulk inserts only, the dates as the archive gives them; references allocated per prefix and
year after any number already handed out, and the kernel's counters set at the end so that
records created later through the services continue after them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from bench.archive import Archive, References, as_given_dates, history

INSTRUMENTS, MACHINES = 4_000, 150
OOT = 0.004  # calibrations found out of tolerance as found (and adjusted)
OOT_RECENT = 0.05  # … among the last month's (their assessments still open)
OPEN_DAYS = 30  # an assessment opened in the last month is still open
LATE = 0.08  # calibrations done after their due date
FATES = (  # what became of a gauge (the rest: in service, on schedule)
    ("overdue", 0.035),
    ("retired", 0.03),
    ("scrapped", 0.02),
    ("lost", 0.005),
    ("out_of_service", 0.02),
    ("quarantined", 0.003),
    ("new", 0.004),
)

# type, tag prefix, weight, calibrated, standard type, (title, range), resolution, accuracy,
# points (characteristic, nominal, ±), unit, uncertainty, intervals ((value, unit), …)
TYPES = (
    (
        "Outside micrometer",
        "MM",
        20,
        "internal",
        "Gauge block set",
        (("Outside micrometer 0–25 mm", "0–25 mm"), ("Outside micrometer 25–50 mm", "25–50 mm")),
        "0.001 mm",
        "±0.002 mm",
        (("Length", "12.5", "0.002"), ("Length", "25", "0.002")),
        "mm",
        "0.0005",
        ((12, "months"), (12, "months"), (6, "months")),
    ),
    (
        "Caliper",
        "CA",
        25,
        "internal",
        "Gauge block set",
        (("Digital caliper 0–150 mm", "0–150 mm"), ("Dial caliper 0–200 mm", "0–200 mm")),
        "0.01 mm",
        "±0.03 mm",
        (("Outside jaws", "100", "0.03"), ("Inside jaws", "50", "0.03")),
        "mm",
        "0.005",
        ((12, "months"), (6, "months"), (24, "months")),
    ),
    (
        "Height gauge",
        "HG",
        4,
        "internal",
        "Gauge block set",
        (("Height gauge 0–300 mm", "0–300 mm"), ("Height gauge 0–600 mm", "0–600 mm")),
        "0.01 mm",
        "±0.02 mm",
        (("Height", "100", "0.02"), ("Height", "250", "0.03")),
        "mm",
        "0.004",
        ((12, "months"), (24, "months")),
    ),
    (
        "Dial indicator",
        "DI",
        10,
        "internal",
        "Indicator calibrator",
        (("Dial indicator 0–10 mm", "0–10 mm"), ("Dial test indicator 0–0.8 mm", "0–0.8 mm")),
        "0.01 mm",
        "±0.01 mm",
        (("Travel", "5", "0.01"),),
        "mm",
        "0.002",
        ((12, "months"), (24, "months")),
    ),
    (
        "Bore gauge",
        "BG",
        7,
        "internal",
        "Setting ring",
        (("Bore gauge Ø12 H7", "Ø12 mm"), ("Bore gauge 18–35 mm", "18–35 mm")),
        "0.001 mm",
        "±0.003 mm",
        (("Diameter", "12", "0.003"),),
        "mm",
        "0.0006",
        ((6, "months"), (12, "months")),
    ),
    (
        "Plug gauge",
        "PG",
        10,
        "external",
        None,
        (("Plain plug gauge Ø10 H7", "Ø10 mm"), ("Plain plug gauge Ø25 H7", "Ø25 mm")),
        "",
        "±0.0015 mm",
        (("Go side", "10.006", "0.0015"), ("No-go side", "10.015", "0.0015")),
        "mm",
        "0.0004",
        ((24, "months"), (36, "months")),
    ),
    (
        "Thread ring gauge",
        "TR",
        6,
        "internal",
        "Thread setting plug",
        (("Thread ring gauge M8x1.25 6g", "M8x1.25"), ("Thread ring gauge M10x1.5 6g", "M10x1.5")),
        "",
        "6g",
        (("Pitch diameter", "9.026", "0.006"),),
        "mm",
        "0.002",
        ((24, "months"), (36, "months")),
    ),
    (
        "Torque wrench",
        "TW",
        3,
        "internal",
        "Torque analyser",
        (("Torque wrench 5–25 N·m", "5–25 N·m"), ("Torque wrench 20–100 N·m", "20–100 N·m")),
        "0.1 N·m",
        "±4 %",
        (("Torque", "20", "0.8"), ("Torque", "50", "2")),
        "N·m",
        "0.2",
        ((12, "months"), (12, "months"), (180, "days")),
    ),
    (
        "Pressure gauge",
        "PR",
        4,
        "internal",
        "Reference pressure gauge",
        (("Pressure gauge 0–10 bar", "0–10 bar"), ("Pressure gauge 0–250 bar", "0–250 bar")),
        "0.1 bar",
        "±1 %",
        (("Pressure", "5", "0.1"),),
        "bar",
        "0.02",
        ((12, "months"), (24, "months")),
    ),
    (
        "CMM",
        "CMM",
        1,
        "external",
        None,
        (
            ("Coordinate measuring machine Zeiss Contura", "700×1000×600 mm"),
            ("Coordinate measuring machine Hexagon Global S", "900×1500×800 mm"),
        ),
        "0.0001 mm",
        "MPE_E 1.8 + L/300 µm",
        (("Length error E0, 100 mm", "100", "0.0021"), ("Length error E0, 500 mm", "500", "0.0035")),
        "mm",
        "0.0004",
        ((12, "months"),),
    ),
    (
        "Surface roughness tester",
        "RT",
        1,
        "internal",
        "Roughness standard",
        (("Surface roughness tester SJ-210", "Ra 0.05–40 µm"),),
        "0.001 µm",
        "±5 %",
        (("Ra", "2.95", "0.15"),),
        "µm",
        "0.03",
        ((12, "months"),),
    ),
    (
        "Balance",
        "SC",
        2,
        "internal",
        "Reference weight set",
        (("Precision balance 0–6 kg", "0–6 kg"), ("Counting scale 0–30 kg", "0–30 kg")),
        "0.1 g",
        "±0.5 g",
        (("Load", "1000", "0.5"), ("Load", "5000", "1.0")),
        "g",
        "0.1",
        ((12, "months"),),
    ),
)

# The metrology lab's reference standards, calibrated by an accredited laboratory:
# type, tag prefix, how many, title, range, accuracy, interval (months), points, unit, uncertainty
STANDARDS = (
    (
        "Gauge block set",
        "GB",
        10,
        "Gauge block set, grade 0, 1–100 mm (112 pcs)",
        "1–100 mm",
        "±0.00012 mm (grade 0, 25 mm)",
        24,
        (("Deviation from nominal", "25", "0.00012"),),
        "mm",
        "0.00003",
    ),
    (
        "Setting ring",
        "SR",
        6,
        "Setting ring Ø12 mm",
        "Ø12 mm",
        "±0.0005 mm",
        24,
        (("Diameter", "12", "0.0005"),),
        "mm",
        "0.0001",
    ),
    (
        "Indicator calibrator",
        "IC",
        3,
        "Dial indicator calibrator 0–25 mm",
        "0–25 mm",
        "±0.0008 mm",
        12,
        (("Travel", "10", "0.0008"),),
        "mm",
        "0.0002",
    ),
    (
        "Thread setting plug",
        "TSP",
        4,
        "Thread setting plug M10x1.5",
        "M10x1.5",
        "±0.002 mm",
        24,
        (("Pitch diameter", "9.026", "0.002"),),
        "mm",
        "0.0005",
    ),
    (
        "Torque analyser",
        "TA",
        4,
        "Torque analyser 1–200 N·m",
        "1–200 N·m",
        "±0.5 %",
        12,
        (("Torque", "50", "0.25"), ("Torque", "150", "0.75")),
        "N·m",
        "0.05",
    ),
    (
        "Reference pressure gauge",
        "RPG",
        3,
        "Reference pressure gauge 0–400 bar, class 0.1",
        "0–400 bar",
        "±0.1 %",
        12,
        (("Pressure", "100", "0.1"),),
        "bar",
        "0.02",
    ),
    (
        "Roughness standard",
        "RS",
        2,
        "Roughness specimen Ra 3 µm",
        "Ra 3 µm",
        "±4 %",
        24,
        (("Ra", "2.95", "0.12"),),
        "µm",
        "0.03",
    ),
    (
        "Reference weight set",
        "RW",
        2,
        "Reference weight set F1, 1 g–5 kg",
        "1 g–5 kg",
        "F1",
        24,
        (("Mass 1 kg", "1000", "0.005"),),
        "g",
        "0.0016",
    ),
)
MAKERS = ("Mitutoyo", "Mahr", "Tesa", "Sylvac", "Hoffmann", "Zeiss", "Gedore", "Wika", "Sartorius")
LABS = (
    ("Kalibrierzentrum Rhein-Main GmbH", "Calibration of dimensional gauges (DAkkS D-K-15040)"),
    (
        "Präzisionsmesslabor Weser GmbH",
        "Calibration of dimensional, torque and pressure instruments (DAkkS D-K-18021)",
    ),
    ("Messtechnik Süd Kalibrierzentrum", "Calibration of CMMs and form testers on site (DAkkS D-K-20417)"),
)
# Where the gauges are used: department code → weight (the cells share theirs).
USED_IN = {"QC": 10, "PROD": 10, "WH": 3, "MAINT": 6, "ENG": 4, "CAL": 4, "CELL": 60}
ITEMS = ("Final inspection", "In-process inspection", "First article inspection", "Goods receipt inspection")
DECISIONS = (
    (
        "no_impact",
        60,
        "Re-measured samples with a calibrated gauge: the error is well inside the part tolerance.",
    ),
    ("reinspect", 28, "Lot re-inspected 100 % with a calibrated gauge: all parts in tolerance."),
    ("hold", 6, "Stock held and sorted; nonconforming parts scrapped."),
    ("recall", 3, "Shipped parts near the limit: recalled from the customer's stock."),
    ("notify_customer", 3, "Customer informed of the possible deviation; they accept the lot."),
)

# Machines: kind, asset prefix, counter, (manufacturer, model), plans
MACHINE_KINDS = (
    ("CNC turning centre", "CNC", "hours", (("DMG MORI", "CLX 450"), ("Okuma", "LB3000 EX II"))),
    ("Vertical machining centre", "VMC", "hours", (("Hermle", "C 22"), ("DMG MORI", "DMU 50"))),
    ("Grinding machine", "GR", "hours", (("Studer", "S33"), ("Kellenberger", "Kel-Vera"))),
    ("Eccentric press", "PR", "cycles", (("Schuler", "MSD 250"), ("Bruderer", "BSTA 510"))),
    (
        "Injection moulding machine",
        "IM",
        "cycles",
        (("Arburg", "Allrounder 470 H"), ("Engel", "victory 200")),
    ),
    ("Parts washer", "WM", "", (("Dürr", "Ecoclean 80C"),)),
    ("Compressor", "CP", "", (("Kaeser", "ASD 40"),)),
    ("Forklift", "FL", "", (("Linde", "E20"), ("Jungheinrich", "EFG 216"))),
)
PLANS = (  # name, tasks, every (days), every (counter) when the machine counts hours
    (
        "Spindle maintenance",
        "Check spindle run-out (≤ 3 µm)\nReplace spindle lubricant\nCheck drawbar clamping force",
        90,
        500,
    ),
    (
        "Hydraulics check",
        "Check oil level and pressure\nReplace return filter\nInspect hoses for leaks",
        180,
        None,
    ),
    ("Lubrication", "Top up way lube\nGrease the ball screws\nClean the chip conveyor", 90, None),
    (
        "Annual safety inspection",
        "Test emergency stops\nCheck guards and interlocks\nInspect electrics (DGUV V3)",
        365,
        None,
    ),
    ("Filter change", "Replace air filter\nReplace coolant filter", 180, None),
)
REPAIRS = (
    "Coolant pump replaced",
    "Door interlock switch replaced",
    "Axis encoder cable repaired",
    "Hydraulic hose replaced",
)
POSTPONE_REASONS = (
    "Backlog: the rush order runs on the machine around the clock.",
    "Spare parts not delivered yet.",
    "Production first: the lot must ship this week.",
    "Maintenance technician on sick leave.",
)


def _micro(text: str) -> int:
    return int(Decimal(text) * 1_000_000)


def _dec(micro: int) -> Decimal:
    return Decimal(micro).scaleb(-6)


def populate(archive: Archive) -> dict[str, int]:
    refs = References()
    made = _instruments(archive, refs)
    for kind, number in _machines(archive, refs).items():
        made[kind] = made.get(kind, 0) + number
    refs.save()
    return made


def _setup(archive: Archive):
    from django.utils import timezone

    rng = archive.rng
    by_code = {d.code: d for d in archive.departments}
    members: dict[int, list] = {}
    for p in archive.people:
        members.setdefault(p.department_id, []).append(p)

    def at(day: dt.date, hour: int | None = None) -> dt.datetime:
        moment = dt.time(hour if hour is not None else rng.randint(7, 16), rng.randint(0, 59))
        return timezone.make_aware(dt.datetime.combine(day, moment))

    def head(dept):
        return archive.heads.get(dept.pk) or archive.quality

    return rng, by_code, members, at, head


def _labs(archive: Archive, refs: References, at, head, by_code, start: dt.date):
    """The accredited laboratories that calibrate the external instruments: the supplier list's,
    or three of our own when it names none."""
    from suppliers.models import Supplier

    found = list(Supplier.objects.filter(calibration_lab=True).exclude(status="disqualified").order_by("pk"))
    if found:
        return found, 0, 0
    rng, today = archive.rng, archive.today
    proc = by_code.get("PROC") or archive.departments[0]
    labs = []
    for i, (name, scope) in enumerate(LABS):
        created = at(start + dt.timedelta(days=3 * i))
        labs.append(
            Supplier(
                reference=refs.next("SUP", created.year),
                title=name,
                name=name,
                calibration_lab=True,
                commodities="Calibration services",
                processes=scope,
                country="Germany",
                owner=head(proc),
                department=proc,
                due_date=today + dt.timedelta(days=rng.randint(30, 330)),
                status="approved",
                created_at=created,
                updated_at=created,
                created_by=archive.quality,
                approved_at=created + dt.timedelta(days=2),
                approved_by=archive.quality,
            )
        )
    with as_given_dates(Supplier):
        Supplier.objects.bulk_create(labs)
    rows = history(
        labs,
        lambda s: [
            (
                s.created_at,
                "+",
                "Created",
                {"status": "prospective", "approved_at": None, "approved_by_id": None},
            ),
            (s.approved_at, "~", "Approve", {}),
        ],
        user_of=lambda s: archive.quality.pk,
    )
    return labs, rows, len(labs)


def _instruments(archive: Archive, refs: References) -> dict[str, int]:
    from django.utils import timezone

    from calibration.models import (
        AffectedItem,
        Calibration,
        CheckOut,
        ImpactAssessment,
        Instrument,
        MeasurementPoint,
        ReferenceUse,
    )

    rng, by_code, members, at, head = _setup(archive)
    today, now = archive.today, timezone.now()
    start = today - relativedelta(years=archive.years)
    made: dict[str, int] = {}
    labs, made["history rows"], added = _labs(archive, refs, at, head, by_code, start)
    if added:
        made["calibration laboratories"] = added
    cal_dept = by_code.get("CAL") or archive.departments[0]
    metrology = head(cal_dept)
    technicians = members.get(cal_dept.pk) or [metrology]
    used_in = []
    for code, weight in USED_IN.items():
        depts = (
            [d for d in archive.departments if d.code.startswith(code)]
            if code == "CELL"
            else [by_code.get(code)]
        )
        depts = [d for d in depts if d is not None]
        used_in += [(d, weight / len(depts)) for d in depts]
    dept_choices, dept_weights = zip(*used_in, strict=True)

    def where(dept) -> str:
        if dept.code.startswith("CELL"):
            return f"Cell {int(dept.code[4:])}, {rng.choice(['machine side', 'inspection bench', 'crib'])}"
        return {
            "QC": "Quality lab",
            "PROD": "Production crib A",
            "WH": "Goods receipt",
            "MAINT": "Maintenance workshop",
            "ENG": "Engineering lab",
            "CAL": "Metrology lab",
        }.get(dept.code, dept.name)

    # --- the timeline of each instrument -----------------------------------------------------
    plans = []  # one dict per instrument: its model object, calibrations, fate

    def span(instrument, day: dt.date) -> int:
        return (instrument.next_due_from(day) - day).days

    def step_back(instrument, day: dt.date) -> dt.date:
        late = rng.randint(1, 40) if rng.random() < LATE else -rng.randint(0, 21)
        due = day - dt.timedelta(days=late)
        if instrument.interval_unit == "days":
            return due - dt.timedelta(days=instrument.interval_value)
        return due - relativedelta(months=instrument.interval_value)

    def timeline(instrument, fate: str, forced_last: dt.date | None = None):
        """The calibration dates of an instrument (oldest first), when it came and when it went."""
        iv = span(instrument, today)
        ended = None
        if fate == "new":
            return [], today - dt.timedelta(days=rng.randint(0, 20)), None
        if forced_last is not None:
            last = forced_last
        elif fate == "overdue":
            last = today - dt.timedelta(days=iv + rng.randint(1, 60))
            while instrument.next_due_from(last) >= today:
                last -= dt.timedelta(days=1)
        elif fate in ("retired", "scrapped", "lost"):
            ended = today - dt.timedelta(days=rng.randint(30, 9 * 365))
            last = ended - dt.timedelta(days=rng.randint(5, 30) if fate == "scrapped" else rng.randint(0, iv))
        elif fate == "out_of_service":
            ended = today - dt.timedelta(days=rng.randint(10, 700))
            last = ended - dt.timedelta(days=rng.randint(0, iv))
        else:
            last = today - dt.timedelta(days=rng.randint(0, iv - 1))
        last = max(last, start + dt.timedelta(days=10))
        if ended is not None:
            ended = max(ended, last + dt.timedelta(days=1))
        if rng.random() < 0.55:
            added = start
        else:
            added = start + dt.timedelta(days=rng.randint(0, max(0, (last - start).days)))
        days = [last]
        while True:
            earlier = step_back(instrument, days[-1])
            if earlier < added:
                break
            days.append(earlier)
        days.reverse()
        return days, days[0] - dt.timedelta(days=rng.randint(1, 14)), ended

    def instrument(
        *,
        type_name,
        prefix,
        title,
        rng_text,
        resolution,
        accuracy,
        source,
        dept,
        owner,
        value,
        unit,
        standard,
    ):
        return Instrument(
            title=title,
            type_name=type_name,
            manufacturer=rng.choice(MAKERS),
            serial_number=f"{rng.randint(100, 999)}-{rng.randint(10000, 99999)}",
            measuring_range=rng_text,
            resolution=resolution,
            required_accuracy=accuracy,
            location=where(dept),
            source=source,
            lab=rng.choice(labs) if source == "external" and labs else None,
            interval_value=value,
            interval_unit=unit,
            is_reference_standard=standard,
            owner=owner,
            department=dept,
            created_by=metrology,
            status="in_service",
        ), prefix

    # Reference standards first: what the in-house calibrations are made against.
    standards_of: dict[str, list] = {}
    failures = []  # (plan of the standard, index of the failed calibration, still open)
    for type_name, prefix, count, title, rng_text, accuracy, months, points, unit, unc in STANDARDS:
        for k in range(max(2 if prefix == "TA" else 1, archive.n(count))):
            obj, tag_prefix = instrument(
                type_name=type_name,
                prefix=prefix,
                title=title,
                rng_text=rng_text,
                resolution="",
                accuracy=accuracy,
                source="external",
                dept=cal_dept,
                owner=metrology,
                value=months,
                unit="months",
                standard=True,
            )
            obj.location = f"Metrology lab, cabinet {k % 4 + 1}"
            forced = today - dt.timedelta(days=12) if prefix == "TA" and k == 0 else None
            days, created, ended = timeline(obj, "active", forced)
            plan = {
                "obj": obj,
                "prefix": tag_prefix,
                "days": days,
                "created": created,
                "fate": "active",
                "ended": None,
                "points": points,
                "unit": unit,
                "unc": unc,
                "std_type": None,
                "oot": {},  # index of a calibration found out of tolerance → adjusted back?
            }
            plans.append(plan)
            standards_of.setdefault(type_name, []).append(plan)
            if prefix == "TA" and k == 0:
                failures.append((plan, len(days) - 1, True))  # failed twelve days ago: open
            elif prefix == "TA" and k == 1 and len(days) > 1:
                four_years = today - relativedelta(years=4)
                i = min(range(1, len(days)), key=lambda j: abs((days[j] - four_years).days))
                failures.append((plan, i, False))
    for plan, i, _open in failures:
        plan["oot"][i] = True
    # While a failed standard is quarantined nothing is calibrated against it.
    blocked = {
        id(plan): (plan["days"][i], today if still_open else plan["days"][i] + dt.timedelta(days=30))
        for plan, i, still_open in failures
    }

    fate_names = [f for f, _ in FATES] + ["active"]
    fate_weights = [w for _, w in FATES] + [1 - sum(w for _, w in FATES)]
    type_weights = [t[2] for t in TYPES]
    for _ in range(archive.n(INSTRUMENTS)):
        (
            type_name,
            prefix,
            _w,
            source,
            std_type,
            titles,
            resolution,
            accuracy,
            points,
            unit,
            unc,
            intervals,
        ) = rng.choices(TYPES, type_weights)[0]
        dept = (
            by_code.get("QC", dept_choices[0])
            if type_name == "CMM"
            else rng.choices(dept_choices, dept_weights)[0]
        )
        owner = head(dept) if rng.random() < 0.7 else rng.choice(members.get(dept.pk) or [head(dept)])
        title, rng_text = rng.choice(titles)
        value, iunit = rng.choice(intervals)
        obj, tag_prefix = instrument(
            type_name=type_name,
            prefix=prefix,
            title=title,
            rng_text=rng_text,
            resolution=resolution,
            accuracy=accuracy,
            source=source,
            dept=dept,
            owner=owner,
            value=value,
            unit=iunit,
            standard=False,
        )
        if type_name == "Caliper" and rng.random() < 0.3:
            obj.usage_limit = 2000
            obj.uses = rng.randint(2000, 2100) if rng.random() < 0.02 else rng.randint(0, 1900)
        fate = rng.choices(fate_names, fate_weights)[0]
        days, created, ended = timeline(obj, fate)
        oot = {}
        for i, day in enumerate(days):
            last, recent = i == len(days) - 1, (today - day).days <= OPEN_DAYS
            if last and fate == "scrapped":
                oot[i] = False  # found out of tolerance and could not be adjusted
            elif recent and fate != "active":
                continue  # an open assessment would have quarantined it
            elif rng.random() < (OOT_RECENT if last and recent else OOT):
                oot[i] = True
        plans.append(
            {
                "obj": obj,
                "prefix": tag_prefix,
                "days": days,
                "created": created,
                "fate": fate,
                "ended": ended,
                "points": points,
                "unit": unit,
                "unc": unc,
                "std_type": std_type,
                "oot": oot,
            }
        )

    # Tags and references in the order the instruments came.
    for plan in plans:
        plan["created_at"] = at(plan["created"])
    plans.sort(key=lambda p: p["created_at"])
    tags: dict[str, int] = {}
    for plan in plans:
        obj = plan["obj"]
        tags[plan["prefix"]] = tags.get(plan["prefix"], 0) + 1
        obj.tag = f"{plan['prefix']}-{tags[plan['prefix']]:04d}"
        obj.reference = refs.next("INS", plan["created_at"].year)
        obj.created_at = obj.updated_at = plan["created_at"]

    # --- calibrations, points, standards used ------------------------------------------------
    calibrations, points, uses = [], [], []
    for plan in plans:
        obj, cals = plan["obj"], []
        spec = [(c, _micro(n), _micro(t)) for c, n, t in plan["points"]]
        candidates = standards_of.get(plan["std_type"] or "", [])
        previous_due = None
        for i, day in enumerate(plan["days"]):
            failed = i in plan["oot"]
            left_ok = not failed or plan["oot"][i]
            external = obj.source == "external"
            done = at(min(today, day + dt.timedelta(days=rng.randint(2, 10))) if external else day)
            done = min(done, now)
            lab = obj.lab if external else None
            cal = Calibration(
                instrument=obj,
                calibrated_on=day,
                source=obj.source,
                performed_by=None if external else rng.choice(technicians),
                lab=lab,
                certificate_number=f"D-K-{15040 + lab.pk % 7}-{day.year}-{rng.randint(1000, 9999)}"
                if lab is not None
                else "",
                temperature=_dec(20_000_000 + rng.randint(-6, 6) * 100_000),
                humidity=_dec(rng.randint(38, 55) * 1_000_000),
                uncertainty=Decimal(plan["unc"]),
                adjusted=failed or rng.random() < 0.04,
                note="Found out of tolerance; adjusted and re-checked."
                if failed and left_ok
                else ("Worn beyond adjustment: to be scrapped." if failed else ""),
                status="completed",
                as_found_ok=not failed,
                as_left_ok=left_ok,
                next_due=obj.next_due_from(day),
                due_on=previous_due,
                completed_at=done,
            )
            previous_due = cal.next_due
            cals.append(cal)
            bad = rng.randrange(len(spec))
            for j, (characteristic, nominal, tol) in enumerate(spec):
                if failed and (j == bad or rng.random() < 0.3):
                    found = nominal + rng.choice((-1, 1)) * rng.randint(tol * 11 // 10 + 1, tol * 2 + 1)
                else:
                    found = nominal + rng.randint(-tol * 7 // 10, tol * 7 // 10)
                left = None
                if cal.adjusted:
                    left = found if not left_ok else nominal + rng.randint(-tol // 4, tol // 4)
                points.append(
                    MeasurementPoint(
                        calibration=cal,
                        characteristic=characteristic,
                        unit=plan["unit"],
                        nominal=_dec(nominal),
                        lower_limit=_dec(nominal - tol),
                        upper_limit=_dec(nominal + tol),
                        as_found=_dec(found),
                        as_left=None if left is None else _dec(left),
                    )
                )
            if not external and candidates:
                usable = [
                    s
                    for s in candidates
                    if not (id(s) in blocked and blocked[id(s)][0] < day <= blocked[id(s)][1])
                ]
                if usable:
                    standard = rng.choice(usable)
                    uses.append(ReferenceUse(calibration=cal, standard=standard["obj"]))
                    cal._standard_plan = standard
        plan["cals"] = cals
        calibrations += cals
        # Instrument as the calibrations left it.
        if cals:
            last = cals[-1]
            obj.last_calibrated_on, obj.due_date = last.calibrated_on, last.next_due
        else:
            obj.due_date = None

    # Drafts being recorded for some overdue gauges.
    drafts = []
    for plan in plans:
        if plan["fate"] == "overdue" and plan["cals"] and rng.random() < 0.25:
            obj = plan["obj"]
            day = today - dt.timedelta(days=rng.randint(0, 2))
            external = obj.source == "external"
            draft = Calibration(
                instrument=obj,
                calibrated_on=day,
                source=obj.source,
                performed_by=None if external else rng.choice(technicians),
                lab=obj.lab if external else None,
                temperature=Decimal("20.10"),
                humidity=Decimal("45.00"),
                uncertainty=Decimal(plan["unc"]),
                status="draft",
            )
            plan["draft"] = draft
            drafts.append(draft)
            for characteristic, nominal, tol in plan["points"]:
                n, t = _micro(nominal), _micro(tol)
                points.append(
                    MeasurementPoint(
                        calibration=draft,
                        characteristic=characteristic,
                        unit=plan["unit"],
                        nominal=_dec(n),
                        lower_limit=_dec(n - t),
                        upper_limit=_dec(n + t),
                        as_found=_dec(n + rng.randint(-t // 2, t // 2)) if rng.random() < 0.5 else None,
                    )
                )

    # --- impact assessments --------------------------------------------------------------------
    assessments, items = [], []
    cal_plans = {id(c): plan for plan in plans for c in plan["cals"]}

    def lots(assessment, since: dt.date | None, until: dt.date, tag: str) -> None:
        first = since or until - dt.timedelta(days=180)
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            used = first + dt.timedelta(days=rng.randint(0, max(0, (until - first).days)))
            if assessment.status == "closed" or rng.random() < 0.4:
                decision, _w, reason = rng.choices(DECISIONS, [d[1] for d in DECISIONS])[0]
            else:
                decision, reason = "", ""
            items.append(
                AffectedItem(
                    assessment=assessment,
                    used_on=used,
                    what=rng.choice(ITEMS),
                    reference=f"Lot {used:%y}-{rng.randint(1000, 9999)}",
                    title=f"Part H-{rng.randint(100, 999)}: measured with {tag} "
                    f"({rng.randint(50, 5000):,} pcs, {rng.choice(['shipped', 'in the warehouse'])})",
                    decision=decision,
                    reason=reason,
                )
            )

    def assess(
        plan,
        cal,
        *,
        cause="out_of_tolerance",
        standard=None,
        origin=None,
        since=None,
        until=None,
        opened=None,
    ):
        obj = plan["obj"]
        opened = opened or cal.completed_at + dt.timedelta(minutes=5)
        still_open = (now - opened).days < OPEN_DAYS
        if cause == "suspect":
            title = f"Calibration suspect: {obj.tag} {obj.title} (standard {standard.tag})"
        else:
            title = f"Out of tolerance: {obj.tag} {obj.title}"
        closed_at = (
            None if still_open else opened + dt.timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 5))
        )
        a = ImpactAssessment(
            title=title[:200],
            owner_id=obj.owner_id,
            department_id=obj.department_id,
            due_date=opened.date() + dt.timedelta(days=10),
            status="open" if still_open else "closed",
            created_at=opened,
            updated_at=closed_at or opened,
            created_by=cal.performed_by if cal is not None and cal.performed_by else metrology,
            instrument=obj,
            calibration=cal,
            cause=cause,
            standard=standard,
            origin=origin,
            period_from=since,
            period_to=until or cal.calibrated_on,
            summary=""
            if still_open
            else f"Everything measured with {obj.tag} in the period was reviewed against the error found; "
            "decisions per lot below.",
            closed_at=closed_at,
        )
        assessments.append(a)
        return a

    for plan in plans:
        cals = plan["cals"]
        for i in plan["oot"]:
            cal = cals[i]
            since = cals[i - 1].calibrated_on if i else None
            a = assess(plan, cal, since=since)
            plan.setdefault("assessments", []).append(a)
            if plan["obj"].is_reference_standard:
                continue
            lots(a, since, cal.calibrated_on, plan["obj"].tag)

    # A failed reference standard makes suspect what was calibrated against it since its last
    # good calibration: each such instrument gets its own assessment (the service's cascade).
    uses_of: dict[int, list] = {}
    for use in uses:
        uses_of.setdefault(id(use.standard), []).append(use)
    suspects = 0
    for std_plan, i, _still_open in failures:
        std = std_plan["obj"]
        failed = std_plan["cals"][i]
        origin = next(a for a in std_plan["assessments"] if a.calibration is failed)
        since = std_plan["cals"][i - 1].calibrated_on if i else None
        first_use: dict[int, tuple] = {}
        for use in sorted(uses_of.get(id(std), []), key=lambda u: u.calibration.calibrated_on):
            day = use.calibration.calibrated_on
            if day <= failed.calibrated_on and (since is None or day >= since):
                first_use.setdefault(id(use.calibration.instrument), (use, day))
        for use, day in first_use.values():
            plan = cal_plans[id(use.calibration)]
            obj = plan["obj"]
            # where-used on the standard's own assessment: the calibration made against it
            item = AffectedItem(
                assessment=origin,
                used_on=day,
                what="Calibrated against it",
                reference=obj.tag,
                title=obj.title,
                from_where_used=True,
                decision="" if origin.status == "open" else "reinspect",
                reason="" if origin.status == "open" else "Its own assessment follows it up.",
            )
            item._calibration = use.calibration
            items.append(item)
            if plan["fate"] in ("retired", "scrapped", "lost") and plan["ended"] <= failed.calibrated_on:
                continue
            a = assess(
                plan,
                None,
                cause="suspect",
                standard=std,
                origin=origin,
                since=day,
                until=failed.calibrated_on,
                opened=origin.created_at + dt.timedelta(minutes=1),
            )
            lots(a, day, failed.calibrated_on, obj.tag)
            if not any(c.calibrated_on > failed.calibrated_on for c in plan["cals"]):
                obj.suspect = True
                plan["suspect_since"] = (origin.created_at, std.tag, day)
            suspects += 1

    # --- each instrument's status, as its story left it ------------------------------------------
    status_reason = {}
    for plan in plans:
        obj, fate, cals = plan["obj"], plan["fate"], plan["cals"]
        open_oot = [a for a in plan.get("assessments", []) if a.status == "open"]
        if fate in ("retired", "scrapped", "lost"):
            obj.status = "lost" if fate == "lost" else "retired"
            reason = {
                "retired": "Worn: replaced by a new gauge",
                "scrapped": "Out of tolerance and cannot be adjusted: scrapped",
                "lost": "Not found at the inventory",
            }[fate]
            status_reason[id(obj)] = (at(plan["ended"]), reason)
        elif fate == "out_of_service":
            obj.status = "out_of_service"
            status_reason[id(obj)] = (at(plan["ended"]), "Not needed: the line it served was stopped")
        elif open_oot:
            obj.status = "quarantined"
            status_reason[id(obj)] = (
                open_oot[-1].created_at,
                f"Found out of tolerance on {open_oot[-1].period_to:%-d %b %Y}",
            )
        elif fate == "quarantined":
            obj.status = "quarantined"
            day = today - dt.timedelta(days=rng.randint(0, 20))
            status_reason[id(obj)] = (at(day), "Dropped at the machine: doubtful reading until checked")

    # Who holds which gauge: check-outs of the last two years, and some held now.
    checkouts = []
    for plan in plans:
        obj = plan["obj"]
        if obj.is_reference_standard or not plan["cals"] or obj.status in ("retired", "lost"):
            continue
        crew = members.get(obj.department_id) or [obj.owner]
        horizon = max(plan["created"], plan["ended"] or today) - dt.timedelta(days=730)
        day = max(plan["created"], horizon)
        end = (plan["ended"] or today) - dt.timedelta(days=50)
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            day += dt.timedelta(days=rng.randint(10, 200))
            if day >= end:
                break
            back = day + dt.timedelta(days=rng.randint(0, 20))
            checkouts.append(
                CheckOut(
                    instrument=obj,
                    holder=rng.choice(crew),
                    out_on=day,
                    returned_on=back,
                    note=f"{where(obj.department)}, set-up",
                )
            )
            day = back
        usable = obj.status == "in_service" and not obj.suspect and obj.due_date and obj.due_date > today
        if usable and rng.random() < 0.08:
            holder = rng.choice(crew)
            out = max(today - dt.timedelta(days=rng.randint(0, 45)), day + dt.timedelta(days=1))
            out = min(out, today)
            checkouts.append(
                CheckOut(instrument=obj, holder=holder, out_on=out, note=f"{where(obj.department)}")
            )
            obj.holder = holder

    # --- write ---------------------------------------------------------------------------------
    instruments = [p["obj"] for p in plans]
    with as_given_dates(Instrument):
        Instrument.objects.bulk_create(instruments, batch_size=2000)
    Calibration.objects.bulk_create(calibrations + drafts, batch_size=5000)
    MeasurementPoint.objects.bulk_create(points, batch_size=5000)
    ReferenceUse.objects.bulk_create(uses, batch_size=5000)
    assessments.sort(key=lambda a: (a.created_at, a.origin is not None))
    for a in assessments:
        a.reference = refs.next("OOT", a.created_at.year)
    with as_given_dates(ImpactAssessment):
        ImpactAssessment.objects.bulk_create([a for a in assessments if a.origin is None], batch_size=2000)
        ImpactAssessment.objects.bulk_create(
            [a for a in assessments if a.origin is not None], batch_size=2000
        )
    for item in items:
        found = getattr(item, "_calibration", None)
        if found is not None:
            item.url = found.get_absolute_url()
    AffectedItem.objects.bulk_create(items, batch_size=5000)
    CheckOut.objects.bulk_create(checkouts, batch_size=5000)
    made.update(
        {
            "instruments": len(instruments),
            "reference standards": sum(1 for i in instruments if i.is_reference_standard),
            "calibrations": len(calibrations) + len(drafts),
            "calibrations out of tolerance": sum(1 for c in calibrations if not c.as_found_ok),
            "measurement points": len(points),
            "reference standards used": len(uses),
            "impact assessments": len(assessments),
            "suspect instruments' assessments": suspects,
            "affected items": len(items),
            "check-outs": len(checkouts),
        }
    )

    # --- history ---------------------------------------------------------------------------------
    by_plan = {id(p["obj"]): p for p in plans}

    def instrument_rows(obj):
        plan = by_plan[id(obj)]
        rows = [
            (
                obj.created_at,
                "+",
                "Added to the register",
                {
                    "status": "in_service",
                    "due_date": None,
                    "last_calibrated_on": None,
                    "suspect": False,
                    "holder_id": None,
                    "uses": 0,
                },
            )
        ]
        if plan["cals"]:
            last = plan["cals"][-1]
            rows.append(
                (
                    last.completed_at,
                    "~",
                    f"Calibrated on {last.calibrated_on:%-d %b %Y}: {last.result_label}",
                    {"status": "in_service", "suspect": False, "holder_id": None},
                )
            )
        if id(obj) in status_reason:
            when, reason = status_reason[id(obj)]
            rows.append((when, "~", reason, {"suspect": False, "holder_id": None}))
        if "suspect_since" in plan:
            when, tag, day = plan["suspect_since"]
            rows.append(
                (
                    when,
                    "~",
                    f"Calibration suspect: calibrated against {tag} on {day:%-d %b %Y}",
                    {"holder_id": None},
                )
            )
        if obj.holder_id:
            rows.append((at(today - dt.timedelta(days=1)), "~", f"Checked out to {obj.holder}", {}))
        return rows

    made["history rows"] += history(instruments, instrument_rows, user_of=lambda o: metrology.pk)
    made["history rows"] += history(
        calibrations + drafts,
        lambda c: (
            [
                (
                    at(c.calibrated_on, 7),
                    "+",
                    f"Calibration added: {c}",
                    {
                        "status": "draft",
                        "as_found_ok": None,
                        "as_left_ok": None,
                        "next_due": None,
                        "due_on": None,
                        "completed_at": None,
                    },
                )
            ]
            + ([(c.completed_at, "~", "Complete the calibration", {})] if c.status == "completed" else [])
        ),
        user_of=lambda c: c.performed_by_id or metrology.pk,
    )
    made["history rows"] += history(
        assessments,
        lambda a: (
            [
                (
                    a.created_at,
                    "+",
                    f"Opened by the calibration of {a.period_to:%-d %b %Y}"
                    if a.calibration_id
                    else f"Opened: reference standard {a.standard.tag} failed",
                    {"status": "open", "closed_at": None, "summary": ""},
                )
            ]
            + ([(a.closed_at, "~", "Close the assessment", {})] if a.closed_at else [])
        ),
        user_of=lambda a: a.created_by_id,
    )
    made["history rows"] += history(
        items,
        lambda i: (
            [
                (
                    i.assessment.created_at + dt.timedelta(hours=1),
                    "+",
                    f"Affected item added: {i}",
                    {"decision": "", "reason": ""},
                )
            ]
            + (
                [
                    (
                        i.assessment.created_at + dt.timedelta(days=2),
                        "~",
                        f"Decided: {i.get_decision_display()}",
                        {},
                    )
                ]
                if i.decision
                else []
            )
        ),
        user_of=lambda i: i.assessment.owner_id,
    )
    made["history rows"] += history(
        checkouts,
        lambda c: (
            [(at(c.out_on, 7), "+", f"Check-out added: {c}", {"returned_on": None})]
            + ([(at(c.returned_on, 16), "~", f"Checked in from {c.holder}", {})] if c.returned_on else [])
        ),
        user_of=lambda c: c.holder_id,
    )
    return made


def _machines(archive: Archive, refs: References) -> dict[str, int]:
    from calibration.models import Machine, MaintenanceEvent, MaintenancePlan, Postponement

    rng, by_code, members, at, head = _setup(archive)
    today = archive.today
    start = today - relativedelta(years=archive.years)
    maint = by_code.get("MAINT") or archive.departments[0]
    fitters = members.get(maint.pk) or [head(maint)]
    cells = [d for d in archive.departments if d.code.startswith("CELL")] + [by_code.get("PROD")]
    cells = [d for d in cells if d is not None] or archive.departments
    kinds_weights = (24, 18, 8, 14, 10, 8, 4, 6)

    machines, plans, events, postponements = [], [], [], []
    stories = []
    for _ in range(archive.n(MACHINES)):
        kind, prefix, counter, models_ = rng.choices(MACHINE_KINDS, kinds_weights)[0]
        dept = (
            maint
            if kind == "Compressor"
            else (by_code.get("WH", cells[0]) if kind == "Forklift" else rng.choice(cells))
        )
        maker, model_name = rng.choice(models_)
        came = start if rng.random() < 0.7 else start + dt.timedelta(days=rng.randint(0, 9 * 365))
        roll = rng.random()
        status, ended = "in_service", None
        if roll < 0.05:
            status, ended = "retired", today - dt.timedelta(days=rng.randint(60, 6 * 365))
        elif roll < 0.08:
            status, ended = "out_of_service", today - dt.timedelta(days=rng.randint(5, 120))
        if ended is not None and ended <= came + dt.timedelta(days=200):
            came = ended - dt.timedelta(days=rng.randint(400, 1500))
        rate = rng.randint(8, 18) if counter == "hours" else rng.randint(2000, 8000)
        machine = Machine(
            title=f"{kind} {maker} {model_name}",
            location=f"Cell {int(dept.code[4:])}" if dept.code.startswith("CELL") else dept.name,
            manufacturer=maker,
            model_name=model_name,
            serial_number=f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            counter_unit=counter,
            owner=head(dept),
            department=dept,
            status=status,
            created_by=head(dept),
        )
        machine._prefix, machine._ended = prefix, ended
        machine.created_at = machine.updated_at = at(came)
        if counter:
            read_on = (ended or today) - dt.timedelta(days=rng.randint(0, 10))
            machine.counter_value, machine.counter_read_on = rate * (read_on - came).days, read_on
        machines.append(machine)
        stories.append((machine, came, ended, rate))

    machines_sorted = sorted(stories, key=lambda s: s[0].created_at)
    numbers: dict[str, int] = {}
    for machine, *_rest in machines_sorted:
        numbers[machine._prefix] = numbers.get(machine._prefix, 0) + 1
        machine.asset_number = f"{machine._prefix}-{numbers[machine._prefix]:03d}"
        machine.reference = refs.next("MCH", machine.created_at.year)

    for machine, came, ended, rate in stories:
        end = ended or today
        for name, tasks, every, every_counter in rng.sample(PLANS, rng.choice((1, 2, 2, 3))):
            task_list = [t for t in tasks.splitlines() if t]
            by_counter = every_counter if machine.counter_unit == "hours" else None
            retired = machine.status == "retired" or rng.random() < 0.03
            responsible = rng.choice(fitters)
            if machine.status == "in_service" and not retired and rng.random() < 0.08:
                last = today - dt.timedelta(days=every + rng.randint(1, 40))  # overdue
            else:
                last = end - dt.timedelta(days=rng.randint(0, every - 1))
            days = [last]
            while True:
                earlier = days[-1] - dt.timedelta(days=every + rng.randint(-7, 7))
                if earlier < came:
                    break
                days.append(earlier)
            days.reverse()
            plan = MaintenancePlan(
                machine=machine,
                name=name,
                checklist=tasks,
                interval_days=every,
                interval_counter=by_counter,
                responsible=responsible,
                next_due=last + dt.timedelta(days=every),
                next_due_counter=(rate * (last - came).days + by_counter) if by_counter else None,
                postponement_limit=rng.choice((7, 14, 14, 21)),
                last_done_on=last,
                status="retired" if retired else "active",
            )
            plan._came, plan._retired_on = came, (end if retired else None)
            plans.append(plan)
            for k, day in enumerate(days):
                if k and rng.random() < 0.05:
                    original = days[k - 1] + dt.timedelta(days=every)
                    asked = original - dt.timedelta(days=rng.randint(1, 5))
                    approved = rng.random() < 0.9
                    new_due = max(day, original + dt.timedelta(days=1)) + dt.timedelta(days=rng.randint(0, 3))
                    decider = head(machine.department)
                    if (new_due - original).days > plan.postponement_limit or decider.pk == responsible.pk:
                        decider = archive.quality
                    postponements.append(
                        Postponement(
                            plan=plan,
                            original_due=original,
                            new_due=new_due,
                            reason=rng.choice(POSTPONE_REASONS),
                            requested_by=responsible,
                            requested_on=asked,
                            decided_by=decider,
                            decided_on=asked + dt.timedelta(days=1),
                            status="approved" if approved else "refused",
                        )
                    )
                events.append(
                    MaintenanceEvent(
                        machine=machine,
                        plan=plan,
                        done_on=day,
                        done_by=responsible if rng.random() < 0.8 else rng.choice(fitters),
                        work_done=f"{name} done to plan.",
                        checklist_results={t: "done" for t in task_list},
                        parts=rng.choice(
                            ("", "Filter set", "Spindle grease (1 cartridge)", "Hydraulic oil HLP 46, 20 l")
                        ),
                        downtime_hours=Decimal(rng.randint(1, 12)) / 2,
                        counter_reading=rate * (day - came).days if machine.counter_unit else None,
                    )
                )
            if plan.status == "active" and plan.next_due < today and rng.random() < 0.4:
                postponements.append(
                    Postponement(
                        plan=plan,
                        original_due=plan.next_due,
                        new_due=today + dt.timedelta(days=rng.randint(5, 21)),
                        reason=rng.choice(POSTPONE_REASONS),
                        requested_by=responsible,
                        requested_on=today - dt.timedelta(days=rng.randint(0, 4)),
                        status="requested",
                    )
                )
        for _ in range(int((end - came).days / 365 * 0.3 + rng.random())):
            day = came + dt.timedelta(days=rng.randint(0, max(0, (end - came).days)))
            events.append(
                MaintenanceEvent(
                    machine=machine,
                    done_on=day,
                    done_by=rng.choice(fitters),
                    work_done=f"Repair: {rng.choice(REPAIRS)}.",
                    parts="See the work order",
                    downtime_hours=Decimal(rng.randint(2, 32)) / 2,
                    counter_reading=rate * (day - came).days if machine.counter_unit else None,
                )
            )

    with as_given_dates(Machine):
        Machine.objects.bulk_create(machines, batch_size=2000)
    MaintenancePlan.objects.bulk_create(plans, batch_size=2000)
    MaintenanceEvent.objects.bulk_create(events, batch_size=5000)
    Postponement.objects.bulk_create(postponements, batch_size=2000)

    rows = history(
        machines,
        lambda m: (
            [(m.created_at, "+", "Added to the machine list", {"status": "in_service"})]
            + (
                []
                if m.status == "in_service"
                else [
                    (
                        at(m._ended),
                        "~",
                        "Retire: replaced by a new machine"
                        if m.status == "retired"
                        else "Take out of service: repair",
                        {},
                    )
                ]
            )
        ),
        user_of=lambda m: m.owner_id,
    )
    rows += history(
        plans,
        lambda p: (
            [(at(p._came, 8), "+", f"Maintenance plan added: {p.name}", {"status": "active"})]
            + ([(at(p._retired_on), "~", "Retire the plan", {})] if p._retired_on else [])
        ),
        user_of=lambda p: p.machine.owner_id,
    )
    rows += history(
        events,
        lambda e: [(at(e.done_on, 15), "+", f"Maintenance done: {e}", {})],
        user_of=lambda e: e.done_by_id,
    )
    rows += history(
        postponements,
        lambda p: (
            [
                (
                    at(p.requested_on),
                    "+",
                    f"Postponement asked: {p.reason}",
                    {"status": "requested", "decided_by_id": None, "decided_on": None},
                )
            ]
            + (
                [(at(p.decided_on), "~", "Approve" if p.status == "approved" else "Refuse", {})]
                if p.decided_on
                else []
            )
        ),
        user_of=lambda p: p.requested_by_id,
    )
    return {
        "machines": len(machines),
        "maintenance plans": len(plans),
        "maintenance events": len(events),
        "postponements": len(postponements),
        "history rows": rows,
    }
