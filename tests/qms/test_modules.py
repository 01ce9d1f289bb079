"""One declaration per module (``<app>/module.py``), discovered from INSTALLED_APPS: the kernel
names no module, yet the widget module appears in the menu, its URLs, registries and demo."""

import pytest
from django.core.management import call_command

from qms import auditpack, kpis, modules, raising, whereused
from qms.due import registry
from qms.imports import importers
from qms.selectors import search
from tests.kernelapp.models import Widget, WidgetPart
from tests.kernelapp.module import MODULE


def kernelapp():
    return next(i for i in modules.installed() if i.app.label == "kernelapp")


def test_the_module_is_discovered_from_installed_apps_with_its_declaration():
    entry = kernelapp()
    assert entry.module is MODULE
    assert entry.prefix == "kernel/" and entry.urls == "tests.kernelapp.urls"
    assert MODULE in modules.menu()


def test_every_registry_holds_what_the_module_declared():
    assert set(MODULE.due) <= set(registry.providers)
    assert set(MODULE.audit_sections) <= set(auditpack.sections())
    assert kpis.get("kernelapp.released") is MODULE.measures[0]
    assert whereused.answered("kernelapp.widget")
    assert "kernelapp.widgets" in importers()
    assert any(a.key == "kernelapp.follow_up" for a in raising.actions_for(Widget()))
    assert {s.model for s in modules.collect("search")} >= {Widget}


@pytest.mark.django_db
def test_the_menu_leads_to_the_module(client_for, staff):
    html = client_for(staff).get("/").content.decode()
    assert 'href="/kernel/widgets/" title="ISO 9001 8.5">Widgets</a>' in html


@pytest.mark.django_db
def test_the_demo_company_gets_the_modules_demo_records(capsys):
    call_command("load_demo", "--if-empty")
    assert Widget.objects.filter(title="Housing H-220").exists()
    assert WidgetPart.objects.filter(name="Bore", status="open").exists()
    assert "Widgets: demo records loaded" in capsys.readouterr().out


@pytest.mark.django_db
def test_search_reads_the_fields_the_module_declared(head, widget):
    (label, found), *_ = search("bar", head)  # "Milled from bar": the description
    assert (label, found) == ("Widgets", [widget])


def test_no_two_kinds_of_record_share_a_reference_prefix():
    """A reference (INS-2026-0007) names one kind of record: the search, the links and the
    history's references find it by its prefix. Instruments and inspections once shared INS."""
    from qms.registry import record_models

    by_prefix: dict[str, list[str]] = {}
    for model in record_models():
        if model.reference_prefix:
            by_prefix.setdefault(model.reference_prefix, []).append(model._meta.label)
    assert {p: m for p, m in by_prefix.items() if len(m) > 1} == {}
    assert by_prefix["INS"] == ["calibration.Instrument"] and by_prefix["INSP"] == ["inspection.Inspection"]
