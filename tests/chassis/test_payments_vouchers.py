"""Payment vouchers (P2, issue 13 item 8) on the real PostgreSQL store: the store port behaves the same
in memory and in the `payment_vouchers` table; a voucher accepted by one application instance is in
the payments database and read back, byte for byte, by a second instance (a second API replica);
the same upload sent to both at once is kept and recorded once; refused uploads leave no row."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.payments.adapters.vouchers import InMemoryVoucherStore, PostgresVoucherStore
from services.payments.api import create_app
from services.payments.domain import InvalidPayment, Payment
from services.payments.domain.voucher_files import VoucherFile, VoucherStore, voucher_ref
from shared.runtime.identity import mint
from tests.infra import Harness
from tests.unit.tickets.scenario import png

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def check_store(store: VoucherStore) -> None:
    payment = uuid.uuid4()
    first = VoucherFile(payment, voucher_ref(PDF, "application/pdf"), "application/pdf", PDF)
    second = VoucherFile(payment, voucher_ref(png(), "image/png"), "image/png", png())
    before = store.count()
    store.put(first)
    store.put(second)
    store.put(first)  # a retried request
    assert store.count() == before + 2
    assert (store.get(payment, first.file_ref), store.get(payment, second.file_ref)) == (first, second)
    assert store.get(uuid.uuid4(), first.file_ref) is None


def test_P2_vouchers_in_memory() -> None:
    check_store(InMemoryVoucherStore())


def test_P2_vouchers_in_postgresql(harness: Harness) -> None:
    payments = harness.runtime("payments")
    assert isinstance(payments.app.vouchers, PostgresVoucherStore)
    check_store(payments.app.vouchers)
    assert rows(payments) == [(2, len(PDF) + len(png()))]


def rows(runtime: Any) -> list[tuple[int, int | None]]:
    with runtime.connect() as conn:
        return [tuple(r) for r in conn.execute("SELECT count(*), sum(size) FROM payment_vouchers").fetchall()]


def transfer(app: Any, method: str = "bank_transfer") -> str:
    order_id = str(uuid.uuid4())
    app.save(Payment.request(order_id, "goods", 5400, "USD", method, "cust-1", app.clock.now()))
    return order_id


def test_P2_a_voucher_one_replica_accepted_is_read_by_another(harness: Harness) -> None:
    first, second = harness.runtime("payments"), harness.runtime("payments")
    order_id = transfer(first.app)
    with TestClient(create_app(first)) as one, TestClient(create_app(second)) as other:
        platform = first.settings.platform
        customer = {"authorization": "Bearer " + mint(platform.jwt_secret, platform.jwt_issuer, "customer", "cust-1")}
        auditor = {"authorization": "Bearer " + mint(platform.jwt_secret, platform.jwt_issuer, "auditor", "aud-1")}
        sent = one.post(
            f"/payments/{order_id}/voucher", files={"file": ("proof.pdf", PDF, "application/pdf")}, headers=customer
        )
        assert (sent.status_code, sent.json()["vouchers"], sent.json()["confirms_order"]) == (200, 1, True)
        read = other.get(f"/payments/{order_id}/goods/vouchers/0", headers=auditor)
        assert (read.status_code, read.headers["content-type"], read.content) == (200, "application/pdf", PDF)
    assert rows(first) == [(1, len(PDF))]
    assert second.app.voucher_file(order_id, "goods", 0).data == PDF


def test_P2_the_same_voucher_sent_to_two_replicas_at_once_is_kept_and_recorded_once(harness: Harness) -> None:
    replicas = [harness.runtime("payments"), harness.runtime("payments")]
    order_id = transfer(replicas[0].app)
    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(lambda n: replicas[n % 2].app.upload_voucher(order_id, PDF), range(8)))
    assert {len(p.vouchers) for p in done} == {1}
    payment = replicas[1].app.payment(order_id, "goods")
    kinds = [e["type"] for e in replicas[1].app.history(payment.id)]
    assert (kinds.count("Payment.VoucherReceived"), kinds.count("Payment.ConfirmationReleased")) == (1, 1)
    assert rows(replicas[0]) == [(1, len(PDF))]


@pytest.mark.parametrize(
    ("method", "data", "field"),
    [
        ("bank_transfer", b"<html><body>not a pdf</body></html>", "voucher.content_type"),
        ("bank_transfer", b"", "voucher.size"),
        ("card", PDF, "method"),
    ],
    ids=["html", "empty", "card-order"],
)
def test_P2_a_refused_voucher_leaves_no_row(harness: Harness, method: str, data: bytes, field: str) -> None:
    payments = harness.runtime("payments")
    order_id = transfer(payments.app, method)
    with pytest.raises(InvalidPayment) as refused:
        payments.app.upload_voucher(order_id, data)
    assert (refused.value.field, refused.value.rule) == (field, "P2")
    assert payments.app.vouchers.count() == 0  # SELECT count(*) FROM payment_vouchers (made on first use)
    assert payments.app.payment(order_id, "goods").vouchers == []
