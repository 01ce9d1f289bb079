"""The suppliers share of the ten-year archive: an approved supplier list of 600 suppliers (36 of
them calibration laboratories) in three risk tiers, kept by purchasing, most approved, some
conditional (an expired ISO 9001, or conditions running out), a few prospective or disqualified;
their contacts and sites, about 1,800 certificates (ISO 9001, IATF 16949, ISO 14001, ISO/IEC
17025; replaced ones withdrawn, some expired, some expiring within 60 days), their periodic
evaluations with the criteria's scores, the quality manager's signed approvals; 1,500 supplier
change notifications and 1,200 SCARs over ten years (some raised from the supplier NCRs of the
capa share), almost all closed long ago, the open ones due around today.

Written with bulk_create; reference numbers are allocated per prefix and year, and the kernel's
counters set after them so that records created later through the services continue after them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from bench.archive import Archive, References, as_given_dates, history

SUPPLIERS, LABS, CHANGES, SCARS = 564, 36, 1_500, 1_200
OPEN_CHANGE, OPEN_SCAR = 0.03, 0.05

STEMS = [
    "Brenner", "Schmitt", "Krause", "Vogt", "Hansen", "Keller", "Weber", "Becker", "Hoffmann",
    "Schäfer", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun",
    "Hartmann", "Lange", "Werner", "Krüger", "Meier", "Lehmann", "Köhler", "Fuchs", "Peters",
    "Möller", "Nord", "Rhein", "Alpen", "Elbe", "Donau", "Main", "Saar", "Weser", "Ostalb",
    "Hohenlohe", "Allgäu", "Eifel", "Taunus", "Spessart", "Harz", "Vulkan", "Phoenix", "Atlas",
    "Delta", "Omega", "Optima", "Precisa", "Technica", "Novum",
]  # fmt: skip
LEGAL = ["GmbH", "GmbH & Co. KG", "AG", "KG", "e.K.", "s.r.o.", "Sp. z o.o.", "S.p.A.", "SAS", "B.V."]
CITIES = ["Stuttgart", "Ulm", "Heilbronn", "Chemnitz", "Kassel", "Linz", "Brno", "Poznań", "Brescia", "Lyon"]
COUNTRIES = [
    # country, VAT prefix, weight
    ("Germany", "DE", 60),
    ("Austria", "ATU", 8),
    ("Czech Republic", "CZ", 8),
    ("Poland", "PL", 7),
    ("Italy", "IT", 6),
    ("France", "FR", 4),
    ("Netherlands", "NL", 3),
    ("Switzerland", "CHE", 2),
    ("China", "", 2),
]
TRADES = [
    # name word, what they supply, processes, part-number prefixes, tiers they fall into
    ("Stahlhandel", "Bar stock 42CrMo4, C45 and 16MnCr5, drawn and peeled", "Cutting to length", "BS", "cm"),
    ("Aluminium", "Aluminium bar and profiles EN AW-6082 and 7075", "Extrusion, sawing", "A", "cm"),
    ("Härterei", "Heat treatment of machined parts", "Case hardening, induction hardening", "H", "cm"),
    ("Galvanik", "Zinc and zinc-nickel plating of machined parts", "Electroplating, passivation", "B", "cm"),
    ("Schmiede", "Forged blanks for housings and shafts", "Drop forging, trimming", "F", "c"),
    ("Gießerei", "Grey and ductile iron castings", "Sand casting, fettling", "G", "cm"),
    ("Drehteile", "Turned parts to drawing", "CNC turning, grinding", "D", "cm"),
    ("Kunststofftechnik", "Injection-moulded covers and seals", "Injection moulding", "K", "m"),
    ("Dichtungen", "O-rings and shaft seals", "", "S", "m"),
    ("Schrauben", "Standard fasteners (ISO 4762, ISO 7380)", "", "", "n"),
    ("Lager", "Rolling bearings", "", "L", "mn"),
    ("Verpackung", "Cartons, VCI foil and pallets", "", "", "n"),
    ("Laserteile", "Laser-cut sheet metal blanks", "Laser cutting, bending", "LS", "mn"),
    ("Werkzeugbau", "Cutting tools and fixtures", "Grinding, coating", "", "n"),
    ("Elektronik", "Sensors and cable harnesses", "Crimping, testing", "E", "cm"),
    ("Logistik", "Transport and storage services", "", "", "n"),
]
LAB_TRADES = [
    ("Kalibrierdienst", "Calibration of dimensional gauges and reference standards"),
    ("Messtechnik", "Calibration of measuring instruments, torque tools and test equipment"),
    ("Prüflabor", "Calibration of pressure and temperature instruments"),
]
ISSUERS = [
    "TÜV Rheinland Cert GmbH",
    "TÜV SÜD Management Service GmbH",
    "DQS GmbH",
    "DEKRA Certification GmbH",
    "Bureau Veritas Certification",
    "SGS-TÜV Saar GmbH",
    "DNV Business Assurance",
    "LRQA",
]
ACCREDITOR = "DAkkS (Deutsche Akkreditierungsstelle)"
VALID_YEARS = {"iso9001": 3, "iatf16949": 3, "iso14001": 3, "iso17025": 5}
CRITERIA = [
    ("Quality (rejections, NCRs)", 40),
    ("Delivery (on time, complete)", 30),
    ("Responsiveness", 15),
    ("Cooperation", 15),
]
CHANGE_TEXTS = {
    "material": (
        "Raw material from another mill",
        "From the next deliveries the material comes from another mill; composition and hardness "
        "“within nominal tolerance”.",
    ),
    "process": (
        "New production line",
        "The parts move to a new line with other machines and a changed process sequence.",
    ),
    "site": ("Production moved to another plant", "Manufacture moves to the supplier's second plant."),
    "sub_supplier": ("New sub-supplier", "A sub-contracted process step goes to a new sub-supplier."),
    "other": ("Packaging changed", "Parts are delivered in new returnable containers."),
}
SCAR_PROBLEMS = [
    ("Surface rust on delivery", "Surface rust on {n} of {m} parts; packed wet or stored outdoors."),
    ("Dimension out of tolerance", "Bore diameter over the upper limit on {n} of {m} parts."),
    ("Wrong material certificate", "The EN 10204 3.1 certificate names another heat than the bars."),
    ("Coating thickness too low", "Zinc layer below 8 µm on {n} of {m} parts."),
    ("Mixed parts in delivery", "{n} parts of another part number found among {m}."),
    ("Burrs on machined edges", "Burrs on the cross bores of {n} of {m} parts."),
]


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c == " ").split()[0]


def populate(archive: Archive) -> dict[str, int]:
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from qms.models import RecordLink, Signature
    from qms.services.signatures import content_hash
    from suppliers.models import (
        CERTIFICATE_KINDS,
        ChangeKind,
        Evaluation,
        EvaluationScore,
        Scar,
        Supplier,
        SupplierCertificate,
        SupplierChange,
        SupplierContact,
        SupplierSite,
        TierPolicy,
    )
    from suppliers.services.suppliers import EXPIRED_REASON, result_for

    rng, today, quality, made = archive.rng, archive.today, archive.quality, {}
    policies = {p.tier: p for p in TierPolicy.objects.all()}
    refs = References()

    def reference(prefix: str, when: dt.datetime) -> str:
        return refs.next(prefix, when.year)

    def at(day: dt.date) -> dt.datetime:
        """A moment in working hours of ``day`` (never later than now)."""
        when = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(7, 16), rng.randint(0, 59))))
        return min(when, timezone.now())

    def after(before: dt.datetime, day: dt.date) -> dt.datetime:
        """A moment of ``day`` that comes after ``before`` (an hour at least; never later than now)."""
        return min(timezone.now(), max(before + dt.timedelta(hours=1), at(day)))

    def days(n: int) -> dt.timedelta:
        return dt.timedelta(days=n)

    def department(code: str):
        return next((d for d in archive.departments if d.code == code), None)

    def staff_of(code: str, most: int) -> list:
        found = department(code)
        members = [p for p in archive.people if found is not None and p.department_id == found.pk]
        head = archive.heads.get(found.pk) if found is not None else None
        members = ([head] if head else []) + [p for p in members if p != head][: most - 1]
        return members or [quality]

    buyers, inspectors, goods_in = staff_of("PROC", 8), staff_of("QC", 6), staff_of("WH", 6)

    # --- the approved supplier list ------------------------------------------------------------
    suppliers, seen_names, life = [], set(), {}
    country_weights = [w for _, _, w in COUNTRIES]
    for i in range(archive.n(SUPPLIERS) + archive.n(LABS)):
        lab = i >= archive.n(SUPPLIERS)
        if lab:
            word, supplies = rng.choice(LAB_TRADES)
            processes, prefix, tier = "Calibration (ISO/IEC 17025 accredited)", "", "major"
        else:
            word, supplies, processes, prefix, tiers = rng.choice(TRADES)
            tier = {"c": "critical", "m": "major", "n": "minor"}[rng.choice(tiers)]
        country, vat_prefix, _ = rng.choices(COUNTRIES, weights=country_weights)[0]
        if lab:
            country, vat_prefix = "Germany", "DE"
        stem, legal = rng.choice(STEMS), rng.choice(LEGAL) if country != "Germany" else "GmbH"
        name = f"{stem} {word} {legal}"
        if name.lower() in seen_names:
            name = f"{stem} {word} {rng.choice(CITIES)} {legal}"
        if name.lower() in seen_names:
            name = f"{stem} {word} {i} {legal}"
        seen_names.add(name.lower())
        roll = rng.random()
        status = (
            "prospective"
            if roll < 0.04
            else "disqualified"
            if roll < 0.13
            else "conditional"
            if roll < 0.20
            else "approved"
        )
        if lab and status == "disqualified":
            status = "approved"
        if status == "prospective":
            created = archive.moment(days_ago_max=120)
        elif rng.random() < 0.4:  # the list as it was when the system came: entered in the first months
            created = archive.moment(days_ago_min=archive.years * 365 - 120)
        else:
            created = archive.moment(days_ago_min=90)
        owner = rng.choice(buyers)
        parts = (
            "\n".join(f"{prefix}-{rng.randint(100, 999)}" for _ in range(rng.randint(1, 4))) if prefix else ""
        )
        supplier = Supplier(
            title=name,
            name=name,
            vat_number=f"{vat_prefix}{(314159 + i * 7919) % 10**9:09d}" if vat_prefix else "",
            tier=tier,
            tier_reason={
                "critical": "Safety-relevant or special characteristics; no second source.",
                "major": "Affects form, fit or function; second source possible.",
                "minor": "Catalogue goods; easily replaced.",
            }[tier],
            calibration_lab=lab,
            commodities=supplies,
            processes=processes,
            part_numbers=parts,
            address=f"{rng.choice(['Industriestraße', 'Gewerbepark', 'Hafenweg'])} {rng.randint(1, 120)}",
            country=country,
            email=f"info@{_slug(name)}-{i}.example",
            phone=f"+49 {rng.randint(200, 999)} {rng.randint(100000, 999999)}",
            owner=owner,
            department_id=owner.department_id,
            status=status,
            created_at=created,
            updated_at=created,
            created_by=owner,
        )
        approved = None if status == "prospective" else at(created.date() + days(rng.randint(7, 60)))
        ended = None
        if status == "disqualified":
            span = (today - approved.date()).days
            ended = at(approved.date() + days(rng.randint(min(30, span), max(30, span - 20))))
        life[i] = (approved, ended)
        suppliers.append(supplier)

    # Certificates: each kind's chain of certificates, back from the one held now.
    certificates, expiry_conditional = [], set()
    for i, s in enumerate(suppliers):
        approved, ended = life[i]
        required = list(policies[s.tier].required_certificates) if s.tier in policies else []
        if s.calibration_lab:
            required.append("iso17025")
        kinds = list(required)
        if "iso9001" not in kinds and rng.random() < (0.4 if s.calibration_lab else 0.3):
            kinds.append("iso9001")
        if s.tier == "critical" and rng.random() < 0.2:
            kinds.append("iatf16949")
        if rng.random() < 0.12:
            kinds.append("iso14001")
        lapsed = s.status == "conditional" and required and rng.random() < 0.5
        if lapsed:
            expiry_conditional.add(i)
        for kind in kinds:
            years = VALID_YEARS[kind]
            if s.status == "prospective":
                expires = today + days(rng.randint(100, 365 * years))
            elif s.status == "disqualified":
                expires = ended.date() + days(rng.randint(-200, 900))
            elif lapsed and kind == required[0]:
                expires = today - days(rng.randint(1, 60))
            elif kind not in required and rng.random() < 0.1:
                expires = today - days(rng.randint(30, 700))  # let lapse: not required of them
            else:
                expires = today + days(rng.randint(1, 365 * years))
            chain = []
            while True:
                issued = expires - relativedelta(years=years)
                chain.append((issued, expires))
                if issued <= s.created_at.date() or s.status == "prospective":
                    break
                expires = issued + days(rng.randint(0, 45))
            chain.reverse()
            issuer = ACCREDITOR if kind == "iso17025" else rng.choice(ISSUERS)
            number = f"{rng.randint(10000, 99999)}"
            for n, (issued, expires) in enumerate(chain):
                last = n == len(chain) - 1
                certificates.append(
                    SupplierCertificate(
                        supplier=s,
                        kind=kind,
                        number=f"D-PL-{number}-01-00" if kind == "iso17025" else f"{number}-{issued.year}",
                        issuer=issuer,
                        scope=s.commodities[:300],
                        issued_on=issued,
                        expires_on=expires,
                        status="current" if last else "withdrawn",
                        uploaded_by=s.owner,
                        uploaded_at=at(max(issued, s.created_at.date())),
                    )
                )

    # Evaluations at the tier's interval from the approval; audits likewise (critical, major).
    evaluations, scores = [], []
    for i, s in enumerate(suppliers):
        approved, ended = life[i]
        policy = policies.get(s.tier)
        if approved is None or policy is None:
            continue
        until = ended.date() if ended else today
        months = policy.evaluation_months
        quality_level = rng.choice([5, 4, 4, 4, 3])
        dates, day = [], approved.date() + relativedelta(months=months)
        while day <= until:
            day = min(until, day + days(rng.randint(-20, 20)))
            dates.append(day)
            day = day + relativedelta(months=months)
        if dates and not ended and rng.random() < 0.15:
            due_before = (dates[-2] if len(dates) > 1 else approved.date()) + relativedelta(months=months)
            if today - days(90) <= due_before < today:
                dates.pop()  # the latest evaluation not done yet: overdue
        last = approved.date()
        for n, day in enumerate(dates):
            marks = [max(1, min(5, quality_level + rng.choice([-1, 0, 0, 1]))) for _ in CRITERIA]
            if ended and n == len(dates) - 1:
                marks = [rng.choice([1, 2, 2]) for _ in CRITERIA]
            weighted = sum(Decimal(w * m) for (_, w), m in zip(CRITERIA, marks, strict=True)) / Decimal(100)
            weighted = weighted.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            evaluator = rng.choice(buyers)
            evaluation = Evaluation(
                supplier=s,
                evaluated_on=day,
                evaluator=evaluator,
                score=weighted,
                result=result_for(weighted),
                note=rng.choice(["Annual evaluation.", "Periodic evaluation.", "Evaluation with the buyer."]),
            )
            evaluations.append(evaluation)
            scores.extend(
                EvaluationScore(evaluation=evaluation, criterion=c, weight=w, score=m)
                for (c, w), m in zip(CRITERIA, marks, strict=True)
            )
            last = day
        s.due_date = last + relativedelta(months=months)
        if policy.audit_months and not ended and rng.random() < 0.8:
            audit = approved.date() + relativedelta(months=policy.audit_months)
            if audit <= today:
                while audit + relativedelta(months=policy.audit_months) <= today + days(rng.randint(-60, 0)):
                    audit += relativedelta(months=policy.audit_months)
                s.last_audit_on = audit + days(rng.randint(-15, 15))
        s.approved_at, s.approved_by = approved, quality
        s.updated_at = max(s.created_at, ended or approved, at(last))
        if s.status == "conditional":
            if i in expiry_conditional:
                held = [c for c in certificates if c.supplier is s and c.status == "current"]
                lapsed = [c for c in held if c.expires_on < today]
                s.conditions = EXPIRED_REASON.format(
                    names=", ".join(CERTIFICATE_KINDS[c.kind] for c in lapsed)
                )
                s.updated_at = at(max(approved.date(), min(c.expires_on for c in lapsed)) + days(1))
            else:
                s.conditions = rng.choice(
                    [
                        "Only with 100 % incoming inspection until the 8D of the open SCAR is closed.",
                        "Certification to ISO 9001 by the date given; until then first-article samples.",
                        "Only the part numbers released by engineering; no new parts.",
                    ]
                )
                s.conditional_until = today + days(rng.randint(-15, 120))
                s.approved_at = at(max(approved.date() + days(1), today - days(rng.randint(20, 200))))
                s.updated_at = max(s.updated_at, s.approved_at)

    # References in creation order, per year.
    order = sorted(range(len(suppliers)), key=lambda k: suppliers[k].created_at)
    for k in order:
        suppliers[k].reference = reference("SUP", suppliers[k].created_at)
    with as_given_dates(Supplier):
        Supplier.objects.bulk_create(suppliers, batch_size=2000)
    made["suppliers"] = len(suppliers)
    made["calibration laboratories"] = sum(1 for s in suppliers if s.calibration_lab)

    lives = {s.pk: life[i] for i, s in enumerate(suppliers)}

    def supplier_rows(s: Supplier):
        approved, ended = lives[s.pk]
        blank = {"approved_at": None, "approved_by_id": None, "conditions": "", "conditional_until": None}
        rows = [(s.created_at, "+", "Proposed", {"status": "prospective", "due_date": None, **blank})]
        if approved is None:
            return rows
        initial = {**blank, "status": "approved", "approved_at": approved, "approved_by_id": quality.pk}
        rows.append((approved, "~", "Initial approval", initial))
        if s.status == "conditional" and s.conditional_until is None:
            # The morning job, the day after the required certificate expired.
            reason = s.conditions.split(". Conditionally")[0]
            rows.append((s.updated_at, "~", reason, {}))
        elif s.status == "conditional":
            rows.append((s.approved_at, "~", f"Conditions: {s.conditions}", {}))
        if ended is not None:
            rows.append((ended, "~", "Repeated nonconformities; rejected in evaluation", {}))
        return rows

    made["history rows"] = history(suppliers, supplier_rows, user_of=lambda s: quality.pk)

    # The quality manager's signatures: the approvals, conditions and disqualifications.
    supplier_type = ContentType.objects.get_for_model(Supplier)
    signatures = []

    def sign(obj, content_type, meaning: str, when: dt.datetime, **as_then) -> None:
        now = {name: getattr(obj, name) for name in as_then}
        for name, value in as_then.items():
            setattr(obj, name, value)
        signatures.append(
            Signature(
                content_type=content_type,
                object_id=obj.pk,
                signer=quality,
                printed_name=str(quality),
                meaning=meaning,
                signed_at=when,
                content_hash=content_hash(obj),
            )
        )
        for name, value in now.items():
            setattr(obj, name, value)

    for s in suppliers:
        approved, ended = lives[s.pk]
        if approved is None:
            continue
        sign(s, supplier_type, "Approved supplier", approved, conditions="")
        if s.status == "conditional" and s.conditional_until is not None:
            sign(s, supplier_type, "Conditionally approved supplier", s.approved_at)
        if ended is not None:
            sign(s, supplier_type, "Disqualified supplier", ended)

    # Contacts and sites.
    contacts, sites, quality_contact = [], [], {}
    roles = ["Sales", "Managing director", "Key account", "Logistics"]
    first_names = ["Petra", "Jan", "Lena", "Tom", "Irene", "Marek", "Giulia", "Claire", "Pieter", "Wei"]
    for s in suppliers:
        domain = s.email.split("@")[1]
        for n in range(rng.choice([1, 1, 2, 2, 3])):
            person = f"{rng.choice(first_names)} {rng.choice(STEMS)}"
            contact = SupplierContact(
                supplier=s,
                name=person,
                role="Quality manager" if n == 0 else rng.choice(roles),
                email=f"{_slug(person)}.{n}@{domain}",
                phone=s.phone,
                quality_contact=n == 0,
            )
            contacts.append(contact)
            if n == 0:
                quality_contact[s.pk] = contact
        if rng.random() < 0.3:
            for n in range(rng.randint(1, 2)):
                sites.append(
                    SupplierSite(
                        supplier=s,
                        name=f"Plant {n + 1} {rng.choice(CITIES)}",
                        address=f"Werkstraße {rng.randint(1, 60)}",
                        makes=s.commodities[:200],
                    )
                )
    SupplierContact.objects.bulk_create(contacts, batch_size=5000)
    SupplierSite.objects.bulk_create(sites, batch_size=5000)
    with as_given_dates(SupplierCertificate):
        SupplierCertificate.objects.bulk_create(certificates, batch_size=5000)
    Evaluation.objects.bulk_create(evaluations, batch_size=5000)
    EvaluationScore.objects.bulk_create(scores, batch_size=5000)
    made["supplier contacts"] = len(contacts)
    made["supplier sites"] = len(sites)
    made["supplier certificates"] = len(certificates)
    made["supplier evaluations"] = len(evaluations)
    made["evaluation scores"] = len(scores)
    made["history rows"] += history(
        contacts,
        lambda c: [(c.supplier.created_at, "+", "Contact added", {})],
        user_of=lambda c: c.supplier.owner_id,
    )
    made["history rows"] += history(
        sites,
        lambda c: [(c.supplier.created_at, "+", "Site added", {})],
        user_of=lambda c: c.supplier.owner_id,
    )
    made["history rows"] += history(
        certificates,
        lambda c: (
            [(c.uploaded_at, "+", "Certificate added", {"status": "current"})]
            + (
                []
                if c.status == "current"
                else [(at(min(today, c.expires_on)), "~", "Replaced by the renewed certificate", {})]
            )
        ),
        user_of=lambda c: c.uploaded_by_id,
    )
    made["history rows"] += history(
        evaluations,
        lambda e: [(at(e.evaluated_on), "+", f"Evaluated: {e.score}", {})],
        user_of=lambda e: e.evaluator_id,
    )
    made["history rows"] += history(
        scores,
        lambda sc: [(at(sc.evaluation.evaluated_on), "+", "Evaluation scores", {})],
        user_of=lambda sc: sc.evaluation.evaluator_id,
    )

    # Who could be told of a change or sent a SCAR on a day: approved before, not disqualified yet.
    active = sorted((s for s in suppliers if lives[s.pk][0] is not None), key=lambda s: lives[s.pk][0])
    approvals = [lives[s.pk][0].date() for s in active]

    def supplier_on(day: dt.date, *, usable_now: bool = False) -> Supplier:
        known = max(1, bisect.bisect_right(approvals, day))
        for _ in range(50):
            s = active[rng.randrange(known)]
            ended = lives[s.pk][1]
            if (ended is None or day < ended.date()) and (not usable_now or s.status != "disqualified"):
                return s
        return next(s for s in active if s.status == "approved")

    # --- supplier change notifications ---------------------------------------------------------
    changes = []
    kinds = [c for c, _ in ChangeKind.choices]
    for _ in range(archive.n(CHANGES)):
        opened = rng.random() < OPEN_CHANGE
        created = archive.moment(days_ago_max=40) if opened else archive.moment(days_ago_min=60)
        received = created.date() - days(rng.choice([0, 0, 0, 1, 2]))
        s = supplier_on(received, usable_now=opened)
        kind = rng.choices(kinds, weights=[35, 25, 15, 15, 10])[0]
        notified = rng.random() < 0.8
        title, text = CHANGE_TEXTS[kind]
        parts = s.part_number_list
        affected = (
            "\n".join(rng.sample(parts, rng.randint(1, len(parts)))) if parts and rng.random() < 0.7 else ""
        )
        if opened:
            status = rng.choice(["recorded", "evaluated"])
        else:
            status = "approved" if rng.random() < 0.85 else "rejected"
        evaluated = status != "recorded" and (status != "rejected" or rng.random() < 0.6)
        evaluated_at = after(created, min(today, received + days(rng.randint(2, 12)))) if evaluated else None
        decided = None
        if status in ("approved", "rejected"):
            decided = min(
                today, (evaluated_at.date() if evaluated_at else received) + days(rng.randint(1, 20))
            )
        risk = rng.choice(["low", "low", "medium", "medium", "high"]) if evaluated else ""
        recorder = s.owner if notified else rng.choice(goods_in)
        changes.append(
            SupplierChange(
                title=f"{s.name}: {title.lower()}"[:200],
                owner=s.owner,
                department_id=s.owner.department_id,
                due_date=received + days(14),
                status=status,
                created_at=created,
                updated_at=after(evaluated_at or created, decided) if decided else (evaluated_at or created),
                created_by=recorder,
                supplier=s,
                kind=kind,
                source="notified" if notified else "goods_in",
                description=text,
                received_on=received,
                effective_from=(
                    received + days(rng.randint(-5, 60))
                    if notified and rng.random() < 0.7
                    else (received - days(rng.randint(0, 10)) if not notified else None)
                ),
                affected_parts=affected,
                risk=risk,
                first_article=evaluated and risk != "low",
                material_test=evaluated and kind == "material",
                capability_study=evaluated and risk == "high",
                evaluation=(
                    f"{risk.capitalize()} risk: checked against the drawings of the affected parts; "
                    "qualification as marked."
                    if evaluated
                    else ""
                ),
                evaluated_by=quality if evaluated else None,
                evaluated_at=evaluated_at,
                decided_by=quality if decided else None,
                decided_on=decided,
                decision_note=(
                    ""
                    if decided is None
                    else "Qualification passed."
                    if status == "approved"
                    else "Not acceptable: the supplier keeps the approved material and process."
                ),
            )
        )
    refs.number(changes, "SCN")
    with as_given_dates(SupplierChange):
        SupplierChange.objects.bulk_create(changes, batch_size=5000)
    made["supplier changes"] = len(changes)
    unevaluated = {
        "status": "recorded",
        "risk": "",
        "first_article": False,
        "material_test": False,
        "capability_study": False,
        "evaluation": "",
        "evaluated_by_id": None,
        "evaluated_at": None,
        "decided_by_id": None,
        "decided_on": None,
        "decision_note": "",
    }
    made["history rows"] += history(
        changes,
        lambda c: (
            [(c.created_at, "+", "Change notification recorded", dict(unevaluated))]
            + (
                []
                if c.evaluated_at is None
                else [
                    (
                        c.evaluated_at,
                        "~",
                        f"Evaluated: {c.risk} risk",
                        {
                            "status": "evaluated",
                            "decided_by_id": None,
                            "decided_on": None,
                            "decision_note": "",
                        },
                    )
                ]
            )
            + (
                []
                if c.decided_on is None
                else [(c.updated_at, "~", c.decision_note if c.status == "rejected" else "Approved", {})]
            )
        ),
        user_of=lambda c: c.owner_id,
    )
    change_type = ContentType.objects.get_for_model(SupplierChange)
    for change in changes:
        if change.status == "approved":
            sign(change, change_type, "Approved supplier change", change.updated_at)

    # --- SCARs ----------------------------------------------------------------------------------
    scars, first_answer, first_sent = [], {}, {}
    for _ in range(archive.n(SCARS)):
        opened = rng.random() < OPEN_SCAR
        if opened:
            status = rng.choices(["draft", "sent", "answered"], weights=[15, 55, 30])[0]
            created = archive.moment(days_ago_max={"draft": 7, "sent": 35, "answered": 50}[status])
            if status == "answered":
                created = archive.moment(days_ago_max=50, days_ago_min=25)
        else:
            status = "accepted" if rng.random() < 0.93 else "cancelled"
            created = archive.moment(days_ago_min=90)
        s = supplier_on(created.date(), usable_now=opened)
        owner = rng.choice(inspectors + buyers[:2])
        heading, text = rng.choice(SCAR_PROBLEMS)
        delivery, m = rng.randint(1000, 9999), rng.randint(50, 2000)
        scar = Scar(
            title=f"SCAR: {heading.lower()} {delivery}"[:200],
            owner=owner,
            department_id=owner.department_id,
            status=status,
            created_at=created,
            updated_at=created,
            created_by=owner,
            supplier=s,
            contact=quality_contact[s.pk],
            problem=f"Delivery {delivery}: " + text.format(n=rng.randint(1, m // 5), m=m),
        )
        sent = status != "draft" and not (status == "cancelled" and rng.random() < 0.4)
        if sent:
            scar.sent_at = after(created, min(today, created.date() + days(rng.randint(0, 2))))
            scar.emailed_at = scar.sent_at + dt.timedelta(minutes=rng.randint(1, 10))
            scar.due_date = scar.sent_at.date() + days(14)
        if status in ("answered", "accepted"):
            answered = scar.sent_at.date() + days(rng.choice([5, 7, 8, 10, 12, 13, 14, 14, 16, 21]))
            scar.answered_on = first_answer[id(scar)] = min(today, answered)
            scar.answered_late = scar.answered_on > scar.due_date
            scar.containment = (
                "Stock at our site and in transit sorted; 100 % check of the next three deliveries."
            )
            scar.root_cause = "Process step not controlled: the work instruction did not name the check."
            scar.corrective_action = (
                "Check added to the control plan and the work instruction; operators trained."
            )
            scar.preventive_action = "The same check on the sister lines."
            scar.updated_at = at(scar.answered_on)
        if status == "accepted":
            if rng.random() < 0.1:  # the first answer sent back, with a new response date
                scar.rejections = 1
                first_sent[id(scar)] = (scar.sent_at, scar.emailed_at)
                scar.sent_at = at(scar.answered_on + days(2))
                scar.emailed_at = scar.sent_at + dt.timedelta(minutes=3)
                scar.due_date = scar.sent_at.date() + days(14)
                scar.answered_on = min(today, scar.answered_on + days(rng.randint(7, 20)))
            scar.decided_by = rng.choice([owner, quality])
            scar.updated_at = at(min(today, scar.answered_on + days(rng.randint(1, 10))))
        if status == "cancelled":
            scar.updated_at = at(min(today, created.date() + days(rng.randint(1, 20))))
        scars.append(scar)
    refs.number(scars, "SCAR")
    with as_given_dates(Scar):
        Scar.objects.bulk_create(scars, batch_size=5000)
    made["SCARs"] = len(scars)
    drafted = {
        "status": "draft",
        "due_date": None,
        "sent_at": None,
        "emailed_at": None,
        "containment": "",
        "root_cause": "",
        "corrective_action": "",
        "preventive_action": "",
        "answered_on": None,
        "answered_late": False,
        "rejections": 0,
        "decided_by_id": None,
    }
    answer = ("containment", "root_cause", "corrective_action", "preventive_action", "answered_on")

    def scar_rows(c: Scar):
        rows = [(c.created_at, "+", "SCAR drafted", dict(drafted))]
        if c.sent_at is not None:
            sent_at, emailed_at = first_sent.get(id(c), (c.sent_at, c.emailed_at))
            due = sent_at.date() + days(14)
            sent = {
                **drafted,
                "status": "sent",
                "due_date": due,
                "sent_at": sent_at,
                "emailed_at": emailed_at,
            }
            rows.append((sent_at, "~", f"Sent to {c.contact.email}", sent))
            if c.answered_on is not None:
                first = first_answer[id(c)]
                values = {name: getattr(c, name) for name in answer}
                answered = {**sent, **values, "status": "answered", "answered_late": c.answered_late}
                rows.append((at(first), "~", "8D answer recorded", {**answered, "answered_on": first}))
                if c.rejections:
                    again = {
                        **answered,
                        "answered_on": first,
                        "status": "sent",
                        "rejections": 1,
                        "decided_by_id": c.decided_by_id,
                        "due_date": c.due_date,
                        "sent_at": c.sent_at,
                        "emailed_at": c.emailed_at,
                    }
                    rows.append((c.sent_at, "~", "Root cause not shown by data", again))
                    rows.append(
                        (at(c.answered_on), "~", "8D answer recorded", {**again, "status": "answered"})
                    )
        if c.status == "accepted":
            rows.append((c.updated_at, "~", "Accept", {}))
        if c.status == "cancelled":
            rows.append((c.updated_at, "~", "Raised twice: see the other SCAR", {}))
        return rows

    made["history rows"] += history(scars, scar_rows, user_of=lambda c: c.owner_id)

    # Raised from the supplier NCRs of the capa share, where there are any.
    links = []
    if apps.is_installed("capa"):
        from capa.models import Nonconformity

        ncrs = list(
            Nonconformity.objects.filter(source="supplier")
            .order_by("created_at")
            .values_list("created_at", "pk")
        )
        times, taken = [when for when, _ in ncrs], set()
        scar_type, ncr_type = (
            ContentType.objects.get_for_model(Scar),
            ContentType.objects.get_for_model(Nonconformity),
        )
        for scar in scars:
            k = bisect.bisect_right(times, scar.created_at) - 1
            while k >= 0 and times[k] > scar.created_at - days(10) and ncrs[k][1] in taken:
                k -= 1
            if k < 0 or times[k] <= scar.created_at - days(10):
                continue
            taken.add(ncrs[k][1])
            links.append(
                RecordLink(
                    source_type=scar_type,
                    source_id=scar.pk,
                    target_type=ncr_type,
                    target_id=ncrs[k][1],
                    note="Raised from the IQC NCR",
                    created_by_id=scar.owner_id,
                    created_at=scar.created_at,
                )
            )
        with as_given_dates(RecordLink):
            RecordLink.objects.bulk_create(links, batch_size=5000)
    made["SCARs raised from NCRs"] = len(links)

    Signature.objects.bulk_create(signatures, batch_size=5000)
    made["signatures"] = len(signatures)
    refs.save()
    return made
