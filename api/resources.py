"""What the API offers, declared once: each resource is a register of the screens, read with
that register's scope, filters, search, ordering and ``select_related``; some are also created,
moved along their workflow, or given child rows, through the screens' own forms and services.

The paths are the API's own (a versioned contract), not the screens' URLs: a screen may move,
``/api/v1/goods-receipts/`` stays. A resource whose module is not installed is left out."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.apps import apps
from django.urls import URLResolver


@dataclass(frozen=True)
class Resource:
    path: str  # "goods-receipts"
    register: str  # the screens' register: "inspection:goodsreceipt_list"
    create: bool = False  # POST through the screens' create form and service (an integration's writes)
    transitions: bool = False  # POST …/{id}/transitions/ through the one transition service
    children: tuple[tuple[str, str], ...] = ()  # (path, child model label): rows read under the record
    child_adds: tuple[str, ...] = ()  # the child paths an integration may add rows to

    @property
    def list_view(self):
        """The register's view class, configured as the screens configure it."""
        return _view(self.register)

    @property
    def model(self):
        return self.list_view.model

    @property
    def create_view(self):
        opts = self.model._meta
        return _view(f"{opts.app_label}:{opts.model_name}_create")

    def child_models(self) -> list[tuple[str, type]]:
        return [(p, apps.get_model(label)) for p, label in self.children]

    def child_model(self, path: str):
        return dict(self.child_models())[path]


def _patterns(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns)
        else:
            yield p


@cache
def _view(url_name: str):
    """The view class behind a URL name of a module (``inspection:goodsreceipt_list``), with the
    keyword arguments its pattern gave ``as_view``: read from the module's own URL list, so this
    works while the project's URLs are still being loaded."""
    app, name = url_name.split(":")
    found = next(p for p in _patterns(import_module(f"{app}.urls").urlpatterns) if p.name == name)
    view_class, initkwargs = found.callback.view_class, found.callback.view_initkwargs
    return type(view_class.__name__, (view_class,), dict(initkwargs)) if initkwargs else view_class


ALL = (
    # (Who has not yet acknowledged a revision, ``documents:acknowledgment_register``, is worked
    # out by a selector for a page of its own, not read from a ``RecordListView``: not offered.)
    Resource("documents", "documents:document_list", children=(("revisions", "documents.revision"),)),
    Resource("ncrs", "capa:nonconformity_list", create=True, transitions=True),
    Resource("capas", "capa:capa_list", children=(("actions", "capa.action"),)),
    Resource("effectiveness-checks", "capa:check_list"),  # rows of CAPAs, across CAPAs
    Resource(
        "instruments", "calibration:instrument_list", children=(("calibrations", "calibration.calibration"),)
    ),
    Resource("calibrations", "calibration:calibration_register"),  # rows of instruments, across them
    Resource("impact-assessments", "calibration:impactassessment_list"),
    Resource("machines", "calibration:machine_list"),
    Resource("postponements", "calibration:postponement_register"),  # rows of machines' plans
    Resource(
        "suppliers", "suppliers:supplier_list", children=(("certificates", "suppliers.suppliercertificate"),)
    ),
    Resource("supplier-changes", "suppliers:supplierchange_list"),
    Resource("scars", "suppliers:scar_list"),
    Resource("training-files", "training:trainingfile_list"),
    Resource("training-records", "training:record_register"),
    Resource("competences", "training:competence_list"),
    Resource("inspection-plans", "inspection:inspectionplan_list"),
    Resource("goods-receipts", "inspection:goodsreceipt_list", create=True, transitions=True),
    Resource(
        "production-lots",
        "inspection:productionlot_list",
        create=True,
        transitions=True,
        children=(("material", "inspection.materialuse"), ("operators", "inspection.lotoperator")),
        child_adds=("material", "operators"),
    ),
    Resource(
        "shipments",
        "inspection:shipment_list",
        create=True,
        transitions=True,
        children=(("lines", "inspection.shipmentline"),),
        child_adds=("lines",),
    ),
    Resource(
        "inspections",
        "inspection:inspection_list",
        create=True,
        transitions=True,
        children=(("results", "inspection.characteristicresult"), ("gauges", "inspection.gaugeuse")),
        child_adds=("results", "gauges"),
    ),
    Resource("reviews", "reviews:review_list"),
    Resource("review-actions", "reviews:action_list"),  # rows of reviews' decisions, across reviews
    Resource("objectives", "reviews:objective_list"),
    Resource("audits", "audits:audit_list"),
    Resource("findings", "audits:finding_list"),
    Resource("risks", "audits:risk_list"),
)


def installed() -> tuple[Resource, ...]:
    """The resources whose module is installed (the register's namespace is its app)."""
    return tuple(r for r in ALL if apps.is_installed(r.register.split(":")[0]))


def by_path(path: str) -> Resource:
    return next(r for r in installed() if r.path == path)
