"""O6: the 'you have set up a new order' e-mail, sent over SMTP once the order is confirmed."""

from __future__ import annotations

import logging
from typing import Any

from services.orders.domain.order import Order
from shared.runtime.follower import Only
from shared.runtime.mail import Mail, SmtpSender

log = logging.getLogger("hallmark.orders.mail")


def confirmation_message(order: Order, sender: str) -> Mail:
    """The e-mail names no picking deadline: inventory owns it (I4) and may be set otherwise."""
    lines = "\n".join(f"  {line.quantity:>5} x {line.sku}" for line in order.lines)
    total = f"{order.total_minor / 100:.2f} {order.currency}"
    return Mail(
        sender=sender,
        to=order.contact_email or "",
        subject=f"You have set up a new order ({str(order.id)[:8]})",
        # A stable Message-ID: a repeated send (after a crash) is recognisably the same message.
        message_id=f"<order-confirmed.{order.id}@hallmark>",
        body=f"Dear customer,\n\nyou have set up a new order: {order.id}\n\n{lines}\n\nTotal: {total}\n"
        f"Payment: {order.payment_method}\nCarrier: {order.carrier or 'to be chosen with your account manager'}\n\n"
        "We now pick and pack your goods; once they are weighed you receive the shipping quote.\n"
        "You can follow the order under 'My Orders'.\n",
    )


def confirmation_mailer(runtime: Any) -> Only:
    """A log-follower handler: e-mail the customer for each Order.Confirmed event."""
    platform, settings = runtime.settings.platform, runtime.settings
    smtp = SmtpSender(platform.smtp_host, platform.smtp_port)

    def handle(domain_event: Any, notification_id: int) -> None:
        if not isinstance(domain_event, Order.Confirmed):
            return
        order: Order = runtime.app.repository.get(domain_event.originator_id, version=domain_event.originator_version)
        if not order.contact_email:
            log.warning("no contact e-mail: confirmation not sent", extra={"order_id": str(order.id)})
            return
        smtp.send(confirmation_message(order, settings.mail_from))
        log.info("confirmation e-mailed", extra={"order_id": str(order.id), "notification_id": notification_id})

    return Only((Order.Confirmed,), handle, close=smtp.close)
