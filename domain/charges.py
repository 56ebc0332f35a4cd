"""A charge line: one priced item of one resource over a period, with its provenance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from linkledger.domain.events import Frozen
from linkledger.domain.money import round_line_amount
from linkledger.domain.price_book import Quote


class ChargeLine(Frozen):
    resource: str
    resource_id: UUID
    kind: str
    item: str
    period_start: date
    period_end: date
    quantity: Decimal
    unit: Literal["day", "month", "once"]
    unit_price: Decimal
    amount: Decimal
    currency: str
    price_ref: str
    basis: str

    @property
    def entry(self) -> str:
        """The price entry that priced this line (`PriceEntry.describe()`): the head of its basis."""
        return self.basis.split("; ", 1)[0]

    @classmethod
    def priced(
        cls,
        *,
        quote: Quote,
        resource: str,
        resource_id: UUID,
        kind: str,
        period_start: date,
        period_end: date,
        quantity: int | Decimal,
        basis: str,
    ) -> ChargeLine:
        qty = Decimal(quantity)
        return cls(
            resource=resource,
            resource_id=resource_id,
            kind=kind,
            item=quote.item,
            period_start=period_start,
            period_end=period_end,
            quantity=qty,
            unit=quote.per,
            unit_price=quote.unit_price,
            amount=round_line_amount(quote.unit_price * qty, quote.currency),
            currency=quote.currency,
            price_ref=quote.price_ref,
            basis=f"{quote.entry}; {basis}" if basis else quote.entry,
        )
