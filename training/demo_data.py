"""The demo company's process catalogue, competences, job roles and who holds them (training/demo.py
loads them through the services)."""

PROCESSES = [
    ("CNC turning", "PROD"),
    ("CNC milling", "PROD"),
    ("Heat treatment", "PROD"),
    ("In-process inspection (IPQC)", "QC"),
    ("Incoming inspection (IQC)", "QC"),
    ("Final inspection (OQC)", "QC"),
    ("Goods receipt and storage", "WH"),
    ("Purchasing", "PROC"),
    ("Order review", "SALES"),
    ("Preventive maintenance", "MAINT"),
    ("Calibration", "CAL"),
    ("Process engineering", "ENG"),
    ("Training and competence", "HR"),
    ("Internal audit", "QM"),
]

# name, process, fields
COMPETENCES = [
    (
        "CNC turning: set-up and operation",
        "CNC turning",
        {"evidence": "assessment", "workstation": "Cell 3, Cell 4"},
    ),
    ("CNC milling: operation", "CNC milling", {"evidence": "assessment", "workstation": "Cell 5"}),
    (
        "Heat treatment: case-hardening furnace",
        "Heat treatment",
        {"evidence": "certificate", "requalify_months": 12, "workstation": "Furnace 1"},
    ),
    ("First-article inspection", "In-process inspection (IPQC)", {"authorises": "inspection_signoff"}),
    ("CMM measurement", "In-process inspection (IPQC)", {"evidence": "certificate", "requalify_months": 24}),
    ("Hardness testing (Rockwell)", "In-process inspection (IPQC)", {"evidence": "assessment"}),
    (
        "Incoming inspection to AQL (ISO 2859-1)",
        "Incoming inspection (IQC)",
        {"authorises": "inspection_signoff"},
    ),
    ("Final inspection and release", "Final inspection (OQC)", {"authorises": "inspection_signoff"}),
    ("Goods receipt and identification", "Goods receipt and storage", {}),
    ("Forklift driving", "Goods receipt and storage", {"evidence": "certificate", "requalify_months": 12}),
    ("Supplier evaluation", "Purchasing", {"min_coverage": 1}),
    ("Contract and order review", "Order review", {"min_coverage": 1}),
    ("Preventive maintenance of CNC machines", "Preventive maintenance", {"min_coverage": 1}),
    (
        "In-house calibration of micrometers",
        "Calibration",
        {
            "min_coverage": 1,
            "requalify_months": 24,
            "authorises": "calibration",
            "instrument_type": "Micrometer",
        },
    ),
    (
        "In-house calibration of calipers",
        "Calibration",
        {"min_coverage": 1, "authorises": "calibration", "instrument_type": "Caliper"},
    ),
    ("Drawing release and change control", "Process engineering", {}),
    ("PFMEA", "Process engineering", {"min_coverage": 1}),
    ("Training needs analysis", "Training and competence", {"min_coverage": 1}),
    ("Internal auditing (ISO 19011)", "Internal audit", {"evidence": "certificate", "requalify_months": 36}),
]

# job role, department, [(competence, level)], documents it works to
JOB_ROLES = [
    (
        "Production manager",
        "PROD",
        [
            ("CNC turning: set-up and operation", 3),
            ("CNC milling: operation", 2),
            ("Heat treatment: case-hardening furnace", 2),
        ],
        [],
    ),
    (
        "CNC machinist",
        "PROD",
        [("CNC turning: set-up and operation", 2), ("CNC milling: operation", 2)],
        ["DRW-40512", "WI-PROD-012"],
    ),
    ("Heat treatment operator", "PROD", [("Heat treatment: case-hardening furnace", 2)], []),
    (
        "QC supervisor",
        "QC",
        [
            ("First-article inspection", 3),
            ("Incoming inspection to AQL (ISO 2859-1)", 3),
            ("Final inspection and release", 3),
        ],
        [],
    ),
    (
        "Quality inspector",
        "QC",
        [("First-article inspection", 2), ("Final inspection and release", 2), ("CMM measurement", 2)],
        ["DRW-40512", "WI-QC-004"],
    ),
    ("Warehouse lead", "WH", [("Goods receipt and identification", 3), ("Forklift driving", 2)], []),
    ("Goods-in clerk", "WH", [("Goods receipt and identification", 2), ("Forklift driving", 2)], []),
    ("Buyer", "PROC", [("Supplier evaluation", 2)], []),
    ("Sales manager", "SALES", [("Contract and order review", 2)], []),
    ("Maintenance technician", "MAINT", [("Preventive maintenance of CNC machines", 2)], []),
    (
        "Metrology technician",
        "CAL",
        [("In-house calibration of micrometers", 2), ("In-house calibration of calipers", 2)],
        [],
    ),
    ("Engineering manager", "ENG", [("Drawing release and change control", 3), ("PFMEA", 2)], []),
    ("Process engineer", "ENG", [("Drawing release and change control", 2), ("PFMEA", 2)], []),
    ("HR manager", "HR", [("Training needs analysis", 2)], []),
    ("Quality manager", "QM", [("Internal auditing (ISO 19011)", 2)], []),
]

HOLDERS = {
    "hbauer": ["Production manager"],
    "ozimmer": ["CNC machinist", "Heat treatment operator"],
    "eyilmaz": ["CNC machinist", "Heat treatment operator"],
    "sklein": ["QC supervisor"],
    "kmaier": ["Quality inspector"],
    "dlang": ["Quality inspector"],
    "tfischer": ["Warehouse lead"],
    "fwolf": ["Goods-in clerk"],
    "mweber": ["Buyer"],
    "lwagner": ["Sales manager"],
    "jschulz": ["Maintenance technician"],
    "pbecker": ["Metrology technician"],
    "ahoffmann": ["Engineering manager"],
    "nroth": ["Process engineer"],
    "ckoch": ["HR manager"],
    "qm": ["Quality manager"],
}
