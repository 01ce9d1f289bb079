from django.urls import reverse

from tests.suppliers import factories as f


def test_pages_render(client, quality_manager, proc, purchasing_head, password):
    s = f.approved(proc, owner=purchasing_head)
    client.force_login(quality_manager)
    for url in [
        reverse("suppliers:supplier_list"),
        s.get_absolute_url(),
        reverse("suppliers:scorecard", args=[s.pk]),
        reverse("suppliers:ranking"),
        reverse("suppliers:tiers"),
        reverse("suppliers:certificate_register"),
        reverse("suppliers:supplierchange_list"),
        reverse("suppliers:supplierchange_create"),
        reverse("suppliers:scar_list"),
        reverse("suppliers:scar_create"),
        reverse("suppliers:supplier_create"),
        reverse("suppliers:tier_update", args=["major"]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:3000])
