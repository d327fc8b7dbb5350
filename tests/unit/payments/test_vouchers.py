"""Issue 13, item 8: payment vouchers over HTTP (P2). The type is read from the bytes (PDF, JPEG, PNG);
a request over the size limit is refused (413) before its body is read, or as soon as the streamed
body passes the limit; nothing is kept unless the voucher is accepted (rows counted in the store);
the same bytes or the same Idempotency-Key twice record one voucher; the payer, their account manager,
ops and auditors read a kept voucher back."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.payments.adapters.vouchers import InMemoryVoucherStore
from services.payments.api import create_app
from tests.unit.payments.scenario import PaymentsScenario
from tests.unit.tickets.scenario import jpeg, png

LIMIT = 10 * 1024 * 1024
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def s() -> PaymentsScenario:
    return PaymentsScenario()


@pytest.fixture
def client(s: PaymentsScenario) -> Iterator[TestClient]:
    with TestClient(create_app(s.runtime)) as c:
        yield c


def store(s: PaymentsScenario) -> InMemoryVoucherStore:
    found = s.app.vouchers
    assert isinstance(found, InMemoryVoucherStore)
    return found


def upload(client: TestClient, s: PaymentsScenario, order_id: str, file: tuple[str, bytes, str], **headers: str) -> Any:
    return client.post(
        f"/payments/{order_id}/voucher", files={"file": file}, headers={**s.token("customer", "cust-1"), **headers}
    )


def test_P2_a_pdf_jpeg_or_png_voucher_is_kept_once_and_read_back_by_who_may(
    s: PaymentsScenario, client: TestClient
) -> None:
    order_id = s.placed(5400, method="bank_transfer")
    first = upload(client, s, order_id, ("proof.pdf", PDF, "application/pdf"))
    assert (first.status_code, first.json()["vouchers"], first.json()["confirms_order"]) == (200, 1, True)
    again = upload(client, s, order_id, ("renamed.pdf", PDF, "application/octet-stream"))  # the same bytes
    assert (again.status_code, again.json()["vouchers"], store(s).count()) == (200, 1, 1)
    keyed = upload(client, s, order_id, ("scan.png", png(), "image/png"), **{"idempotency-key": "voucher-key-1"})
    retried = upload(client, s, order_id, ("scan.jpg", jpeg(), "image/jpeg"), **{"idempotency-key": "voucher-key-1"})
    assert [keyed.status_code, keyed.json()["vouchers"], retried.status_code, retried.json()["vouchers"]] == [
        200,
        2,
        200,
        2,
    ]
    assert store(s).count() == 2
    assert [t for t, _ in s.published()] == ["PaymentVoucherReceived"]  # the first one confirmed the order
    payment = s.app.payment(order_id, "goods")
    assert [(v.content_type, v.size, v.key) for v in payment.vouchers] == [
        ("application/pdf", len(PDF), None),
        ("image/png", len(png()), "voucher-key-1"),
    ]
    callers = {
        "customer": s.token("customer", "cust-1"),
        "manager": s.token("account_manager", "am-1", ("cust-1",)),
        "ops": s.token("ops", "ops-1"),
        "auditor": s.token("auditor", "aud-1"),
    }
    for who, token in callers.items():
        read = client.get(f"/payments/{order_id}/goods/vouchers/1", headers=token)
        assert (who, read.status_code, read.headers["content-type"], read.content) == (who, 200, "image/png", png())
    first_back = client.get(f"/payments/{order_id}/goods/vouchers/0", headers=callers["auditor"])
    assert (first_back.headers["content-type"], first_back.content) == ("application/pdf", PDF)
    other = client.get(f"/payments/{order_id}/goods/vouchers/0", headers=s.token("customer", "cust-2"))
    assert other.status_code == 403
    missing = client.get(f"/payments/{order_id}/goods/vouchers/2", headers=callers["ops"])
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (404, "index")


@pytest.mark.parametrize(
    ("file", "status", "field", "rule"),
    [
        (("proof.pdf", HTML, "application/pdf"), 422, "file", "P2"),  # HTML named .pdf, said to be a PDF
        (("proof.pdf", b"", "application/pdf"), 422, "file", "P2"),  # zero bytes
        (("proof.txt", b"wire sent on Monday", "text/plain"), 422, "file", "P2"),
        (("proof.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"), 422, "file", "P2"),  # an image, not ours
        (("big.pdf", PDF + b"\0" * (LIMIT + 1 - len(PDF)), "application/pdf"), 413, "file", "P2"),  # 10 MiB + 1
    ],
    ids=["html-named-pdf", "empty", "text", "gif", "limit-plus-one"],
)
def test_P2_X3_a_refused_voucher_names_the_field_and_the_rule_and_nothing_is_kept(
    s: PaymentsScenario, client: TestClient, file: tuple[str, bytes, str], status: int, field: str, rule: str
) -> None:
    order_id = s.placed(5400, method="bank_transfer")
    answer = upload(client, s, order_id, file)
    assert answer.status_code == status, answer.text
    assert [(e["field"], e["rule"]) for e in answer.json()["errors"]] == [(field, rule)]
    assert (store(s).count(), s.published(), s.app.payment(order_id, "goods").vouchers) == (0, [], [])


def test_P2_X3_a_request_without_the_file_or_not_multipart_is_refused_and_nothing_is_kept(
    s: PaymentsScenario, client: TestClient
) -> None:
    order_id = s.placed(5400, method="bank_transfer")
    token = s.token("customer", "cust-1")
    no_file = client.post(
        f"/payments/{order_id}/voucher", files={"other": ("a.pdf", PDF, "application/pdf")}, headers=token
    )
    as_json = client.post(f"/payments/{order_id}/voucher", json={"file": "JVBERi0xLjc="}, headers=token)
    assert [(a.status_code, a.json()["errors"][0]["field"]) for a in (no_file, as_json)] == [
        (422, "file"),
        (422, "(body)"),
    ]
    assert (store(s).count(), s.published()) == (0, [])


def test_P2_a_voucher_for_a_card_order_is_refused_and_nothing_is_kept(s: PaymentsScenario, client: TestClient) -> None:
    order_id = s.placed(5400, method="card")
    answer = upload(client, s, order_id, ("proof.pdf", PDF, "application/pdf"))
    assert (answer.status_code, answer.json()["errors"][0]["field"], answer.json()["errors"][0]["rule"]) == (
        422,
        "method",
        "P2",
    )
    assert (store(s).count(), s.published(), s.app.payment(order_id, "goods").vouchers) == (0, [], [])


class Upload:
    """A raw ASGI request to the upload route whose body arrives in 1 MiB chunks; counts how many the
    server asked for, so a test sees whether it read the body before refusing it."""

    CHUNK = 1024 * 1024

    def __init__(self, s: PaymentsScenario, order_id: str, total: int, declare: bool) -> None:
        self.total, self.pulled = total, 0
        boundary = "voucher-boundary"
        head = [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())]
        head += [(k.encode(), v.encode()) for k, v in s.token("customer", "cust-1").items()]
        if declare:
            head.append((b"content-length", str(total).encode()))
        path = f"/payments/{order_id}/voucher"
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), *head],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.status = 0
        self.body = b""

    async def receive(self) -> dict[str, Any]:
        sent = self.pulled * self.CHUNK
        if sent >= self.total:
            return {"type": "http.disconnect"}
        self.pulled += 1
        chunk = min(self.CHUNK, self.total - sent)
        return {"type": "http.request", "body": b"\0" * chunk, "more_body": sent + chunk < self.total}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    def run(self, app: FastAPI) -> Upload:
        import asyncio

        asyncio.run(app(self.scope, self.receive, self.send))
        return self


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "chunked"])
def test_P2_a_50_MB_body_is_refused_with_413_without_being_read(s: PaymentsScenario, declare: bool) -> None:
    order_id = s.placed(5400, method="bank_transfer")
    sent = Upload(s, order_id, 50 * 1024 * 1024, declare).run(create_app(s.runtime))
    assert sent.status == 413
    # Declared: refused on the header, nothing read. Chunked: reading stops at the limit (10 MiB + the
    # multipart envelope), the other 39 MiB are never asked for.
    assert sent.pulled == (0 if declare else 11)
    assert (store(s).count(), s.published()) == (0, [])


def test_P2_a_card_order_refuses_a_voucher_before_reading_its_body(s: PaymentsScenario) -> None:
    order_id = s.placed(5400, method="card")
    sent = Upload(s, order_id, 5 * 1024 * 1024, declare=False).run(create_app(s.runtime))
    assert (sent.status, sent.pulled, store(s).count()) == (422, 0, 0)
