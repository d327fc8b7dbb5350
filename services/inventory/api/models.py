"""Request and response models of the inventory API (XCreate / XPublic)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.inventory.application import Adjustment, HoldView
from services.inventory.domain.reservation import Reservation
from services.inventory.domain.sku import Sku
from services.inventory.domain.values import ReservedLine, Shortfall
from shared.events import Money

SKU_CODE = r"^[A-Z0-9][A-Z0-9-]{0,63}$"
MAX_QUANTITY = 1_000_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListingUpdate(_In):
    name: str = Field(min_length=1, max_length=200)
    unit_price: Money
    moq: int = Field(ge=1, le=MAX_QUANTITY, description="Minimum order quantity (O2)")
    weight_grams: int = Field(ge=0, le=100_000, description="Weight of one unit, for the parcel weight (I4)")


class SkuCreate(ListingUpdate):
    sku: str = Field(pattern=SKU_CODE, description="Upper-case letters, digits and dashes, e.g. RING-STEEL-PEARL")
    on_hand: int = Field(ge=0, le=100 * MAX_QUANTITY)


class ReceiptCreate(_In):
    quantity: int = Field(gt=0, le=100 * MAX_QUANTITY)
    reference: str = Field(min_length=1, max_length=200, description="Delivery note, supplier invoice, ...")


class AdjustmentCreate(_In):
    """Either `counted` (a stock count) or `change` (e.g. -5 for a damaged batch), with a reason."""

    counted: int | None = Field(default=None, ge=0, le=100 * MAX_QUANTITY)
    change: int | None = Field(default=None, ge=-100 * MAX_QUANTITY, le=100 * MAX_QUANTITY)
    reason: str = Field(min_length=3, max_length=500)


class HoldCreate(_In):
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=MAX_QUANTITY)


class PickingFinish(_In):
    weight_grams: int | None = Field(
        default=None, gt=0, le=1_000_000, description="Measured parcel weight; default: unit weights x quantities"
    )


class SkuPublic(BaseModel):
    sku: str
    name: str
    unit_price: Money
    moq: int
    weight_grams: int
    available: int

    @classmethod
    def of(cls, sku: Sku) -> SkuPublic:
        return cls(
            sku=sku.code,
            name=sku.name,
            unit_price=Money(amount_minor=sku.unit_price_minor, currency=sku.currency),
            moq=sku.moq,
            weight_grams=sku.weight_grams,
            available=sku.available,
        )


class StockHold(BaseModel):
    hold_id: str
    customer_id: str
    quantity: int
    expires_at: datetime


class StockReservation(BaseModel):
    order_id: str
    quantity: int


class StockPublic(SkuPublic):
    """What ops and auditors see: the stock and who holds or reserved it (I2: held + reserved <= on_hand)."""

    on_hand: int
    held: int
    reserved: int
    holds: list[StockHold]
    reservations: list[StockReservation]
    version: int

    @classmethod
    def of(cls, sku: Sku) -> StockPublic:
        return cls(
            **SkuPublic.of(sku).model_dump(),
            on_hand=sku.on_hand,
            held=sku.held,
            reserved=sku.reserved,
            holds=[
                StockHold(hold_id=hold_id, customer_id=h.customer_id, quantity=h.quantity, expires_at=h.expires_at)
                for hold_id, h in sku.holds.items()
            ],
            reservations=[StockReservation(order_id=order_id, quantity=q) for order_id, q in sku.reservations.items()],
            version=sku.version,
        )


class ShortfallPublic(BaseModel):
    """I3: an order the correction cut, and its line: asked, reserved, short."""

    order_id: str
    sku: str
    asked: int
    reserved: int
    short: int


class AdjustmentPublic(BaseModel):
    stock: StockPublic
    shortfalls: list[ShortfallPublic] = Field(description="I3: per order cut, its line: asked, reserved, short")

    @classmethod
    def of(cls, adjustment: Adjustment) -> AdjustmentPublic:
        shortfalls = [ShortfallPublic(order_id=cut.order_id, **asdict(cut.line)) for cut in adjustment.shortfalls]
        return cls(stock=StockPublic.of(adjustment.sku), shortfalls=shortfalls)


class HoldPublic(BaseModel):
    hold_id: str
    sku: str
    quantity: int
    expires_at: datetime

    @classmethod
    def of(cls, hold: HoldView) -> HoldPublic:
        return cls(hold_id=hold.hold_id, sku=hold.sku, quantity=hold.quantity, expires_at=hold.expires_at)


class PickingPublic(BaseModel):
    order_id: str
    customer_id: str
    status: str
    reserved: dict[str, int]
    picked: dict[str, int]
    lines: list[ReservedLine]
    shortfalls: list[Shortfall]
    confirmed_at: datetime | None
    picking_due_at: datetime | None
    picking_started_at: datetime | None
    prepared_at: datetime | None
    weight_grams: int | None
    sla_breached_at: datetime | None

    @classmethod
    def of(cls, reservation: Reservation) -> PickingPublic:
        return cls(
            order_id=reservation.order_id,
            customer_id=reservation.customer_id,
            status=reservation.status,
            reserved=reservation.reserved,
            picked=reservation.picked,
            lines=list(reservation.lines),
            shortfalls=reservation.shortfalls,
            confirmed_at=reservation.confirmed_at,
            picking_due_at=reservation.picking_due_at,
            picking_started_at=reservation.picking_started_at,
            prepared_at=reservation.prepared_at,
            weight_grams=reservation.weight_grams,
            sla_breached_at=reservation.sla_breached_at,
        )


class OverduePublic(BaseModel):
    """I4: an order whose picking did not finish within the SLA of its confirmation."""

    model_config = ConfigDict(from_attributes=True)

    order_id: str
    due_at: datetime | None
    breached_at: datetime
