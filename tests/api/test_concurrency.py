"""Two copies of the same POST at the same moment (an ERP that retried before the first answer
came back): one record, both callers get its answer."""

import threading

import pytest
from django.db import connection
from django.test import Client

from api.tokens import token_create
from inspection.models import GoodsReceipt
from tests.inspection import factories as f


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_double_post_with_one_key_creates_one_receipt(head):
    _, token = token_create(user=head, by=head, name="ERP")
    body = {
        "title": "Bar stock",
        "supplier": f.supplier().pk,
        "part_number": "BAR-42",
        "quantity": 500,
        "received_on": f.today().isoformat(),
    }
    start, answers = threading.Barrier(2), []

    def post():
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            start.wait(timeout=10)
            answers.append(
                client.post(
                    "/api/v1/goods-receipts/",
                    body,
                    content_type="application/json",
                    headers={"Idempotency-Key": "erp-po-7781-1"},
                )
            )
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 201], [a.content for a in answers]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert GoodsReceipt.objects.count() == 1
