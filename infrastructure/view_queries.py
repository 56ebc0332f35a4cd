"""Invoices, balances, timelines and notices, read from the active build of each view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from linkledger.domain.errors import LedgerError, UnknownAccountError, UnknownResourceError
from linkledger.domain.events import account_id, resource_id
from linkledger.infrastructure.view_store import Build, ViewStore
from linkledger.projections.balance_view import balance_document
from linkledger.projections.invoice_view import account_key, invoice_document, invoice_key
from linkledger.projections.notice_view import notices_document
from linkledger.projections.timeline_view import timeline_document


class ViewNotBuiltError(LedgerError):
    rule = "views"


class ViewNotFreshError(LedgerError):
    rule = "views"


class Views:
    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def build(self, projection: str) -> Build:
        active = self.store.active(projection)
        if active is None:
            raise ViewNotBuiltError(f"the {projection} view has not been built yet; run `linkledger project`")
        return Build(projection, active)

    def wait_fresh(self, projections: list[str], app_name: str, head: int, timeout: float) -> None:
        """Read-your-writes: block until each view has applied every event up to `head`."""
        for projection in projections:
            tracked = self.store.tracked(projection)
            try:
                tracked.wait(app_name, head, timeout=timeout)
            except TimeoutError:
                at = tracked.max_tracking_id(app_name) or 0
                raise ViewNotFreshError(
                    f"the {projection} view is at event {at} but the log is at {head} after waiting {timeout:g}s; "
                    "is `linkledger project --follow` running? (or run `linkledger project` once)"
                ) from None

    def invoice(self, account: str, period: str) -> dict[str, Any]:
        b = self.build("invoices")
        aid = str(account_id(account))
        header = self.store.hgetall(b, account_key(aid))
        if not header:
            raise UnknownAccountError(f"there is no account named {account} in the invoices view")
        return invoice_document(header, self.store.hgetall(b, invoice_key(aid, period)), period)

    def balance(self, account: str) -> dict[str, Any]:
        b = self.build("balances")
        fields = self.store.hgetall(b, f"account:{account_id(account)!s}")
        if not fields:
            raise UnknownAccountError(f"there is no account named {account} in the balances view")
        return balance_document(fields)

    def account_clock(self, account: str) -> datetime | None:
        """The account's clock as the balances view knows it (None if it is not built)."""
        if self.store.active("balances") is None:
            return None
        clock = self.store.hget(self.build("balances"), f"account:{account_id(account)!s}", "clock")
        return datetime.fromisoformat(clock) if clock else None

    def balance_days(self, account: str) -> dict[str, str]:
        b = self.build("balances")
        return dict(sorted(self.store.hgetall(b, f"days:{account_id(account)!s}").items()))

    def timeline(self, resource: str) -> dict[str, Any]:
        b = self.build("timelines")
        fields = self.store.hgetall(b, f"timeline:{resource_id(resource)!s}")
        if not fields:
            raise UnknownResourceError(
                f"there is no port, connect, interface or connection named {resource} in the timelines view"
            )
        return timeline_document(fields)

    def notices(self, account: str) -> dict[str, Any]:
        b = self.build("notices")
        fields = self.store.hgetall(b, f"notices:{account_id(account)!s}")
        if not fields:
            raise UnknownAccountError(f"there is no account named {account} in the notices view")
        return notices_document(fields)
