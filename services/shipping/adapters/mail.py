"""S1: the quote e-mail (cost, carrier, tariff version, delivery estimate), sent over SMTP by a log
follower once the shipment is quoted."""

from __future__ import annotations

import logging
from typing import Any

from services.shipping.adapters.details import open_contact_email
from services.shipping.domain.estimate import DeliveryWindow, EstimateRule
from services.shipping.domain.shipment import Shipment
from shared.runtime.follower import Only
from shared.runtime.mail import Mail, SmtpSender

log = logging.getLogger("hallmark.shipping.mail")


def quote_message(
    shipment: Shipment, sender: str, rule: EstimateRule, window: DeliveryWindow, to: str | None = None
) -> Mail:
    """The e-mail for a quoted shipment; `window` is the estimate if paid on the day of the quote."""
    quote = shipment.quote or {}
    order = shipment.order or {}
    cost = f"{quote['cost_minor'] / 100:.2f} {quote['currency']}"
    earliest, latest = rule.calendar.local(window.earliest).date(), rule.calendar.local(window.latest).date()
    extra = order.get("processing_days", 0)  # the slowest item's extra days (S3)
    days = f"{rule.min_business_days + extra}-{rule.max_business_days + extra}"
    return Mail(
        sender=sender,
        to=to or order.get("contact_email") or "",
        subject=f"Shipping cost for your order {shipment.order_id[:8]}",
        # A stable Message-ID: a repeated send (after a crash) is recognisably the same message.
        message_id=f"<shipping-quoted.{shipment.order_id}@hallmark>",
        body=f"Dear customer,\n\nyour goods for order {shipment.order_id} are prepared.\n\n"
        f"  Carrier:      {quote['carrier']}\n"
        f"  Destination:  {quote['country']}\n"
        f"  Weight:       {quote['weight_grams']} g\n"
        f"  Shipping:     {cost}\n"
        f"  Tariff:       {quote['carrier']} table {quote['tariff_version']} (the carrier's rate; we add nothing)\n\n"
        f"Please pay the shipping cost; we dispatch once it has arrived. Delivery takes about "
        f"{days} business days after your payment is confirmed: if you pay today, between "
        f"{earliest:%a %d %b %Y} and {latest:%a %d %b %Y}.\n",
    )


def quote_mailer(runtime: Any) -> Only:
    """A log-follower handler: e-mail the customer for each Shipment.Quoted event."""
    platform, app = runtime.settings.platform, runtime.app
    smtp = SmtpSender(platform.smtp_host, platform.smtp_port)

    def handle(domain_event: Any, notification_id: int) -> None:
        if not isinstance(domain_event, Shipment.Quoted):
            return
        shipment: Shipment = app.repository.get(domain_event.originator_id, version=domain_event.originator_version)
        order = shipment.order or {}
        to = order.get("contact_email")
        if not to and order.get("contact_sealed"):  # X4: sealed by orders, opened there
            to = open_contact_email(platform, order["contact_sealed"])
        if not to:
            log.warning("no contact e-mail: quote not sent", extra={"order_id": shipment.order_id})
            return
        window = app.estimate_for(shipment, domain_event.at)
        smtp.send(quote_message(shipment, runtime.settings.mail_from, app.estimate, window, to))
        log.info("quote e-mailed", extra={"order_id": shipment.order_id, "notification_id": notification_id})

    return Only((Shipment.Quoted,), handle, close=smtp.close)
