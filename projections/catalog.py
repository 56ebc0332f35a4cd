"""Every projection linkledger maintains, by name."""

from __future__ import annotations

from linkledger.projections.balance_view import BalanceProjection
from linkledger.projections.invoice_view import InvoiceProjection
from linkledger.projections.names import PROJECTION_NAMES
from linkledger.projections.notice_view import NoticeProjection
from linkledger.projections.projection import Projection
from linkledger.projections.timeline_view import TimelineProjection

PROJECTIONS: dict[str, Projection] = {
    p.name: p for p in (InvoiceProjection(), BalanceProjection(), TimelineProjection(), NoticeProjection())
}

assert tuple(PROJECTIONS) == PROJECTION_NAMES, "projections/names.py lists every projection, in this order"
