"""Every projection linkledger maintains, by name."""

from __future__ import annotations

from projections.balance_view import BalanceProjection
from projections.invoice_view import InvoiceProjection
from projections.names import PROJECTION_NAMES
from projections.notice_view import NoticeProjection
from projections.projection import Projection
from projections.timeline_view import TimelineProjection

PROJECTIONS: dict[str, Projection] = {
    p.name: p for p in (InvoiceProjection(), BalanceProjection(), TimelineProjection(), NoticeProjection())
}

assert tuple(PROJECTIONS) == PROJECTION_NAMES, "projections/names.py lists every projection, in this order"
