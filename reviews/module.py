"""Management review (ISO 9001 9.3), quality objectives (6.2) and the KPI dashboard (9.1.3): the
module's one declaration. It reads every other module only through the kernel's KPI registry and
due-item registry, so it works with whichever modules are installed."""

from qms.modules import Module, Searchable

from .audit import SCREENS, SECTIONS
from .demo import load
from .due import PROVIDERS
from .kpis import MEASURES
from .models import Objective, Review

MODULE = Module(
    label="Management review",
    url_name="reviews:dashboard",
    tabs=[
        ("KPI dashboard", "reviews:dashboard"),
        ("Management reviews", "reviews:review_list"),
        ("Review actions", "reviews:action_list"),
        ("Quality objectives", "reviews:objective_list"),
        ("Review inputs", "reviews:inputs"),
    ],
    clause="9.3",
    order=70,
    url_prefix="reviews/",
    due=PROVIDERS,
    audit_sections=SECTIONS,
    audit_screens=SCREENS,
    demo=load,
    search=[
        Searchable(Review, ("reference", "title"), "Management reviews"),
        Searchable(Objective, ("reference", "title"), "Quality objectives"),
    ],
    measures=MEASURES,
    walk="tests.reviews.walk",
)
