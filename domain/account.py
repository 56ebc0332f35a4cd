"""The customer account: its balance, its users, its resources and, for Zenlayer,
the negative-balance ladder (protection stage -> suspension stage -> recycle)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from uuid import UUID

from linkledger.domain.billing_day import day_of
from linkledger.domain.charges import ChargeLine
from linkledger.domain.errors import (
    CurrencyMismatchError,
    DuplicateNameError,
    InvalidAmountError,
    InvalidInputError,
)
from linkledger.domain.events import Aggregate, Frozen, account_id
from linkledger.domain.invoice import draft_charge, open_period_of
from linkledger.domain.money import check_balance, check_currency, check_minor_unit
from linkledger.domain.names import check_email, check_name
from linkledger.domain.standing import Stage, deducted_through_after, shown_stage, stage_after_credit

VENDORS = ("alibaba", "zenlayer")


class User(Frozen):
    name: str
    email: str
    role: str


class ResourceRef(Frozen):
    resource_id: UUID
    name: str
    kind: str


class AdjustmentLine(Frozen):
    """One invoice line re-rated by a price correction: its old amount (after earlier
    adjustments), its new amount and the difference (positive: the customer owes more)."""

    correction: str
    invoice: str | None  # the issued invoice's number; None while its month is not issued
    period: str
    line_id: str | None
    resource: str
    item: str
    from_day: date
    to_day: date
    charges: list[str]  # the charge lines re-rated: "<account version>:<line index>"
    old_amount: Decimal
    new_amount: Decimal
    difference: Decimal
    price_ref: str


def _empty_window(opening: Decimal) -> dict[str, Decimal]:
    return {
        "opening": opening,
        "credits": Decimal(0),
        "payments": Decimal(0),
        "charges": Decimal(0),
        "adjustments": Decimal(0),
    }


class Account(Aggregate):
    TOPIC = "linkledger.Account"

    if TYPE_CHECKING:  # the state Opened sets and the other events change (see Aggregate)
        name: str
        vendor: Literal["alibaba", "zenlayer"]
        currency: str
        opened_at: datetime
        balance: Decimal
        users: list[User]
        resources: list[ResourceRef]
        deducted_through: date | None  # the last day deducted
        stage: Literal["active", "protection", "suspension", "recycled"]
        protection_ends_at: datetime | None
        suspension_ends_at: datetime | None
        drafts: dict[str, list[dict[str, Any]]]  # period -> merged invoice entries, months not yet issued
        draft_tails: dict[str, dict[tuple[str, str], int]]  # period -> (resource, item) -> extendable line
        issued_through: str | None  # the last month issued
        invoices_issued: int
        window: dict[str, Decimal]  # money moved since the last invoice was issued
        window_adjustments: list[AdjustmentLine]  # adjustments since then: the next invoice lists them
        corrections: list[str]  # ids of the price corrections applied to this account
        rerated: dict[str, Decimal]  # charge line "v:i" -> its amount after the latest adjustment

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str] = "linkledger.Account.Event"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "linkledger.Account.Created"

    class Opened(Created, Event):
        TOPIC: ClassVar[str] = "linkledger.Account.Opened"
        name: str
        vendor: Literal["alibaba", "zenlayer"]
        currency: str

        def apply(self, a: Account) -> None:
            a.name = self.name
            a.vendor = self.vendor
            a.currency = self.currency
            a.opened_at = self.at
            a.balance = Decimal(0)
            a.users = []
            a.resources = []
            a.deducted_through = None
            a.stage = "active"
            a.protection_ends_at = None
            a.suspension_ends_at = None
            a.drafts = {}  # period -> merged invoice entries, for the months not yet issued
            a.draft_tails = {}  # period -> {(resource, item): index of the daily line the next day may extend}
            a.issued_through = None  # the last month issued
            a.invoices_issued = 0
            a.window = _empty_window(Decimal(0))  # money moved since the last invoice was issued
            a.window_adjustments = []  # adjustments recorded since then: the next invoice lists them
            a.corrections = []  # price corrections applied to this account
            a.rerated = {}  # charge line "v:i" -> its amount after the latest adjustment

    class UserAdded(Event):
        TOPIC: ClassVar[str] = "linkledger.Account.UserAdded"
        user: User

        def apply(self, a: Account) -> None:
            a.users.append(self.user)

    class ResourceAdded(Event):
        TOPIC: ClassVar[str] = "linkledger.Account.ResourceAdded"
        resource: ResourceRef

        def apply(self, a: Account) -> None:
            a.resources.append(self.resource)

    class Credited(Event):
        """A top-up (Zenlayer) or a payment (Alibaba)."""

        TOPIC: ClassVar[str] = "linkledger.Account.Credited"
        kind: Literal["top_up", "payment"]
        amount: Decimal
        balance_after: Decimal

        def apply(self, a: Account) -> None:
            a.balance = self.balance_after
            a.window["credits" if self.kind == "top_up" else "payments"] += self.amount
            a.stage = stage_after_credit(a.stage, a.balance)

    class Charged(Event):
        TOPIC: ClassVar[str] = "linkledger.Account.Charged"
        reason: Literal["daily", "subscription", "renewal", "setup_fee"]
        service_day: date | None
        lines: list[ChargeLine]
        total: Decimal
        balance_after: Decimal

        def apply(self, a: Account) -> None:
            a.balance = self.balance_after
            a.window["charges"] += self.total
            a.deducted_through = deducted_through_after(self.reason, self.service_day, a.deducted_through)
            draft_charge(
                a.drafts,
                a.draft_tails,
                a.issued_through,
                self.reason,
                self.lines,
                day_of(self.at),
                self.originator_version,
            )

    class InvoiceIssued(Event):
        """A month closed: its invoice, frozen. `document` is what the customer was sent
        (JSON values); `sources` names the charge lines behind each line id."""

        TOPIC: ClassVar[str] = "linkledger.Account.InvoiceIssued"
        period: str
        number: str
        document: dict[str, Any]
        sources: dict[str, list[str]]

        def apply(self, a: Account) -> None:
            a.issued_through = self.period
            a.invoices_issued += 1
            a.drafts.pop(self.period, None)
            a.draft_tails.pop(self.period, None)
            a.window = _empty_window(a.balance)
            a.window_adjustments = []

    class PricesAdjusted(Event):
        """A price correction re-rated charges already made: the balance moves by the net
        difference (`total`; positive: the customer owes more)."""

        TOPIC: ClassVar[str] = "linkledger.Account.PricesAdjusted"
        correction: str
        reason: str
        lines: list[AdjustmentLine]
        rerated: dict[str, Decimal]
        total: Decimal
        balance_after: Decimal

        def apply(self, a: Account) -> None:
            a.balance = self.balance_after
            a.corrections.append(self.correction)
            a.rerated.update(self.rerated)
            a.window["adjustments"] += self.total
            a.window_adjustments.extend(self.lines)

    class BalanceExhausted(Event):
        """Zenlayer: the balance fell below zero; the protection stage starts."""

        TOPIC: ClassVar[str] = "linkledger.Account.BalanceExhausted"
        STAGE: ClassVar[Stage] = "protection"
        balance: Decimal
        protection_ends_at: datetime
        suspension_ends_at: datetime
        policy_ref: str

        def apply(self, a: Account) -> None:
            a.stage = self.STAGE
            a.protection_ends_at = self.protection_ends_at
            a.suspension_ends_at = self.suspension_ends_at

    class SuspensionStarted(Event):
        TOPIC: ClassVar[str] = "linkledger.Account.SuspensionStarted"
        STAGE: ClassVar[Stage] = "suspension"

        def apply(self, a: Account) -> None:
            a.stage = self.STAGE

    class ResourcesRecycled(Event):
        TOPIC: ClassVar[str] = "linkledger.Account.ResourcesRecycled"
        STAGE: ClassVar[Stage] = "recycled"
        recycled: list[str]

        def apply(self, a: Account) -> None:
            a.stage = self.STAGE
            a.protection_ends_at = None
            a.suspension_ends_at = None

    class ServiceRestored(Event):
        TOPIC: ClassVar[str] = "linkledger.Account.ServiceRestored"
        STAGE: ClassVar[Stage] = "active"
        from_stage: str

        def apply(self, a: Account) -> None:
            a.stage = self.STAGE
            a.protection_ends_at = None
            a.suspension_ends_at = None

    class NoticeSent(Event):
        """A reminder or notice email, addressed to the users the policy names."""

        TOPIC: ClassVar[str] = "linkledger.Account.NoticeSent"
        notice: Literal["protection_reminder", "suspension_notice", "final_notice"]
        recipients: list[User]
        subject: str

    @classmethod
    def open(cls, name: str, vendor: str, currency: str, at: datetime) -> Account:
        check_name(name, "account name")
        if vendor not in VENDORS:
            raise InvalidInputError(f"vendor {vendor!r} is not one of {', '.join(VENDORS)}")
        check_currency(currency)
        return cls._create(cls.Opened, id=account_id(name), name=name, vendor=vendor, currency=currency, at=at)

    def add_user(self, user: User, at: datetime) -> None:
        check_name(user.name, "user name")
        check_email(user.email)
        check_name(user.role, "role")
        if any(u.name == user.name for u in self.users):
            raise DuplicateNameError(f"account {self.name} already has a user named {user.name}")
        self.trigger_event(self.UserAdded, user=user, at=at)

    def add_resource(self, ref: ResourceRef, at: datetime) -> None:
        self.trigger_event(self.ResourceAdded, resource=ref, at=at)

    def credit(self, kind: str, amount: Decimal, currency: str, at: datetime) -> None:
        if currency != self.currency:
            raise CurrencyMismatchError(f"account {self.name} is in {self.currency}; a {kind} in {currency} is refused")
        what = f"a {kind.replace('_', '-')}"
        if amount <= 0:
            raise InvalidAmountError(f"{what} must be a positive amount, got {amount} {currency}")
        check_minor_unit(amount, currency, f"{what} of")
        balance_after = check_balance(self.balance + amount, f"{what} of {amount} {currency}")
        self.trigger_event(self.Credited, kind=kind, amount=amount, balance_after=balance_after, at=at)

    def charge(self, reason: str, lines: list[ChargeLine], at: datetime, service_day: date | None = None) -> None:
        for line in lines:
            if line.currency != self.currency:
                raise CurrencyMismatchError(
                    f"{line.resource} {line.item} is priced in {line.currency} "
                    f"but account {self.name} pays in {self.currency}"
                )
        total = sum((line.amount for line in lines), Decimal(0))
        self.trigger_event(
            self.Charged,
            reason=reason,
            service_day=service_day,
            lines=lines,
            total=total,
            balance_after=self.balance - total,
            at=at,
        )

    def issue_invoice(
        self, period: str, number: str, document: dict[str, Any], sources: dict[str, list[str]], at: datetime
    ) -> None:
        self.trigger_event(self.InvoiceIssued, period=period, number=number, document=document, sources=sources, at=at)

    def adjust(
        self, correction: str, reason: str, lines: list[AdjustmentLine], rerated: dict[str, Decimal], at: datetime
    ) -> None:
        total = sum((line.difference for line in lines), Decimal(0))
        self.trigger_event(
            self.PricesAdjusted,
            correction=correction,
            reason=reason,
            lines=lines,
            rerated=rerated,
            total=total,
            balance_after=self.balance - total,
            at=at,
        )

    # ------------------------------------------------------------- invoices
    @property
    def open_period(self) -> str:
        """The first month not yet issued."""
        return open_period_of(self.issued_through, day_of(self.opened_at))

    # ------------------------------------------------- Zenlayer's balance ladder
    def exhaust_balance(
        self, protection_ends_at: datetime, suspension_ends_at: datetime, policy_ref: str, at: datetime
    ) -> None:
        self.trigger_event(
            self.BalanceExhausted,
            balance=self.balance,
            protection_ends_at=protection_ends_at,
            suspension_ends_at=suspension_ends_at,
            policy_ref=policy_ref,
            at=at,
        )

    def start_suspension(self, at: datetime) -> None:
        self.trigger_event(self.SuspensionStarted, at=at)

    def record_recycle(self, recycled: list[str], at: datetime) -> None:
        self.trigger_event(self.ResourcesRecycled, recycled=recycled, at=at)

    def restore_service(self, at: datetime) -> None:
        self.trigger_event(self.ServiceRestored, from_stage=self.stage, at=at)

    def send_notice(self, notice: str, recipients: list[User], subject: str, at: datetime) -> None:
        self.trigger_event(self.NoticeSent, notice=notice, recipients=recipients, subject=subject, at=at)

    @property
    def clock(self) -> datetime:
        """The latest time any of this account's own events happened at."""
        return self.__dict__.get("last_at") or self.opened_at

    def recipients(self, roles: list[str]) -> list[User]:
        return [u for u in self.users if u.role in roles]

    def ref(self, resource_id: UUID) -> ResourceRef | None:
        return next((r for r in self.resources if r.resource_id == resource_id), None)

    def describe(self) -> dict[str, Any]:
        return {
            "account": self.name,
            "vendor": self.vendor,
            "currency": self.currency,
            "balance": str(self.balance),
            "stage": shown_stage(self.vendor, self.stage),
            "deducted_through": self.deducted_through.isoformat() if self.deducted_through else None,
        }
