"""Shipping domain: the shipment of an order (quote, payment, dispatch, tracking, receipt), the
carriers' tariff table, tracking numbers and the delivery estimate. Pure: no I/O."""
