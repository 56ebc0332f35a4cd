"""One account and every resource it owns: the unit a command or a due rule changes.

Commands that touch several aggregates (a cross connect that starts a private
connect's billing, a deletion that stops its hosted connection) are decided here, on
objects the caller loaded; the caller saves every changed aggregate in one atomic
write. Time-driven rules are in `due_rules`. A command that would make something
billable that no price book in force prices is refused here, naming the price.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from linkledger.domain import financial_lock, protection_stage
from linkledger.domain.account import Account, AdjustmentLine, ResourceRef, User
from linkledger.domain.bandwidth import hosted_capacity_for
from linkledger.domain.billing_day import ONE_DAY, add_months, day_of, month_bounds
from linkledger.domain.charges import ChargeLine
from linkledger.domain.daily_charge import daily_quote
from linkledger.domain.errors import (
    DuplicateNameError,
    InsufficientBalanceError,
    InvalidStateError,
    PortInUseError,
    TimeRunsBackwardError,
    UnknownResourceError,
    VendorMismatchError,
    WrongResourceKindError,
)
from linkledger.domain.hosted_connection import HostedConnection
from linkledger.domain.invoice import invoice_number, issue_document, memo_of, memo_shown
from linkledger.domain.names import check_name
from linkledger.domain.physical_connection import LeasedLine, PhysicalConnection
from linkledger.domain.port import Port
from linkledger.domain.private_connect import End, PrivateConnect
from linkledger.domain.resource import Resource, ZenlayerResource
from linkledger.domain.router_interface import RouterInterface
from linkledger.domain.rule_book import RuleBook

R = TypeVar("R", bound=Resource)


class Portfolio:
    def __init__(self, account: Account, resources: list[Resource]) -> None:
        self.account = account
        self.resources: dict[str, Resource] = {r.name: r for r in resources}
        self._by_name: list[Resource] | None = None  # resources by name, for of_kind

    # ----------------------------------------------------------------- helpers
    def aggregates(self) -> list[Account | Resource]:
        return [self.account, *self.resources.values()]

    def changed(self) -> list[Account | Resource]:
        """The aggregates with events to save."""
        return [a for a in self.aggregates() if a.pending_events]

    @property
    def clock(self) -> datetime:
        """The account's clock: the latest time anything was decided for it or its resources.
        A command earlier than this would rewrite what was decided after it, so it is refused."""
        return max([self.account.clock, *(r.last_at for r in self.resources.values())])

    def check_not_before_clock(self, at: datetime, what: str) -> None:
        if at < self.clock:
            raise TimeRunsBackwardError(
                f"{what} is at {at.isoformat()}, before account {self.account.name}'s clock "
                f"({self.clock.isoformat()}); commands on an account must come in time order"
            )

    def require_daily_price(self, resource: Resource, at: datetime, rules: RuleBook, mbps: int | None = None) -> None:
        """Refuse, at the command, what no price book in force would price on its first day."""
        daily_quote(resource, day_of(at), rules, self.account.currency, mbps=mbps)

    def of_kind(self, cls: type[R]) -> list[R]:
        if self._by_name is None:
            self._by_name = sorted(self.resources.values(), key=lambda r: r.name)
        return [r for r in self._by_name if isinstance(r, cls)]

    def get(self, name: str, cls: type[R]) -> R:
        r = self.resources.get(name)
        if r is None:
            raise UnknownResourceError(f"account {self.account.name} has no resource named {name}")
        if not isinstance(r, cls):
            raise WrongResourceKindError(f"{name} is a {r.KIND}, not a {cls.KIND}")
        return r

    def _require_vendor(self, vendor: str, what: str) -> None:
        if self.account.vendor != vendor:
            raise VendorMismatchError(
                f"{what} is a {vendor} product but account {self.account.name} is a {self.account.vendor} account"
            )

    def _check_new_name(self, name: str, taken: set[str]) -> None:
        check_name(name, "resource name")
        if name in self.resources or name in taken:
            raise DuplicateNameError(f"a resource named {name} already exists; resource names are unique")

    def _add(self, resource: Resource, at: datetime) -> None:
        self.resources[resource.name] = resource
        self._by_name = None
        self.account.add_resource(ResourceRef(resource_id=resource.id, name=resource.name, kind=resource.KIND), at)

    def zenlayer_resources(self) -> list[ZenlayerResource]:
        return self.of_kind(ZenlayerResource)

    # ---------------------------------------------------------------- money
    def credit(self, kind: str, amount: Decimal, currency: str, at: datetime) -> None:
        self.account.credit(kind, amount, currency, at)
        self._balance_rose(at)

    def debit(
        self, reason: str, lines: list[ChargeLine], at: datetime, rules: RuleBook, day: date | None = None
    ) -> None:
        self.account.charge(reason, lines, at, service_day=day)
        self._balance_fell(at, rules, day or day_of(at))

    def adjust(
        self,
        correction: str,
        reason: str,
        lines: list[AdjustmentLine],
        rerated: dict[str, Decimal],
        at: datetime,
        rules: RuleBook,
    ) -> None:
        """Record a price correction's adjustments; the balance moves by the net difference and
        what follows is what a charge (net debit) or a credit (net credit) would bring."""
        self.account.adjust(correction, reason, lines, rerated, at)
        net = sum((line.difference for line in lines), Decimal(0))
        if net > 0:
            self._balance_fell(at, rules, day_of(at))
        elif net < 0:
            self._balance_rose(at)

    def _balance_fell(self, at: datetime, rules: RuleBook, policy_day: date) -> None:
        """Below zero: Zenlayer's protection stage starts; Alibaba's connections are overdue."""
        acct = self.account
        if acct.balance >= 0:
            return
        if acct.vendor == "zenlayer" and acct.stage in ("active", "recycled"):
            protection_stage.start_protection(acct, rules.policies.zenlayer_on(policy_day), at)
        if acct.vendor == "alibaba":
            financial_lock.lock_overdue(
                acct, self.of_kind(PhysicalConnection), rules.policies.alibaba_on(policy_day), at
            )

    def _balance_rose(self, at: datetime) -> None:
        """Back to zero or above: service is restored (Zenlayer) or paid-up connections recover (Alibaba)."""
        acct = self.account
        if acct.balance < 0:
            return
        if acct.vendor == "zenlayer" and acct.stage in ("protection", "suspension"):
            protection_stage.restore(acct, self.zenlayer_resources(), at)
        if acct.vendor == "alibaba":
            financial_lock.recover_paid(self.of_kind(PhysicalConnection), at)

    def leased_line_memos(self, period: str) -> list[dict[str, Any]]:
        """The operators' leased-line rents of the physical connections applied for by the end of
        `period`: recorded on the invoice, not charged."""
        return [
            memo_of(pc.name, pc.leased_line.operator, pc.leased_line.monthly_rent, pc.leased_line.currency)
            for pc in self.of_kind(PhysicalConnection)
            if memo_shown(day_of(pc.history[0].at), period)
        ]

    def issue_invoice(self, period: str, at: datetime, rules: RuleBook) -> None:
        """Close `period`: issue its invoice from the account's draft, frozen from now on."""
        acct = self.account
        first, last = month_bounds(period)
        memos = self.leased_line_memos(period)
        draft = acct.drafts.get(period, [])
        days = [first + ONE_DAY * i for i in range((last - first).days + 1)]
        policies = sorted({rules.policies.on(acct.vendor, d).version for d in days})
        window = acct.window
        closing = acct.balance
        number = invoice_number(
            rules.policies.invoicing_on(acct.vendor, last).number_prefix, acct.name, acct.invoices_issued + 1
        )
        document, sources = issue_document(
            header={"account": acct.name, "currency": acct.currency, "vendor": acct.vendor},
            period=period,
            draft=draft,
            memos=memos,
            adjustments=[line.model_dump() for line in acct.window_adjustments],
            balance={**window, "closing": closing},
            number=number,
            at=at,
            price_books=sorted({line["price_ref"] for line in draft}),
            policies=policies,
        )
        acct.issue_invoice(period, number, document, sources, at)

    def add_user(self, name: str, email: str, role: str, at: datetime) -> None:
        self.account.add_user(User(name=name, email=email, role=role), at)

    # ------------------------------------------------------------- zenlayer
    def order_port(self, name: str, site: str, speed: str, at: datetime, rules: RuleBook) -> Port:
        self._require_vendor("zenlayer", "a port")
        self._check_new_name(name, set())
        port = Port.order(name, self.account.id, site, speed, at)
        self.require_daily_price(port, at, rules)
        self._add(port, at)
        return port

    def complete_cross_connect(self, port_name: str, at: datetime) -> None:
        self.get(port_name, Port).complete_cross_connect(at)
        self._start_ready_connects(at)

    def delete_port(self, port_name: str, at: datetime) -> None:
        port = self.get(port_name, Port)
        users = [
            c.name
            for c in self.of_kind(PrivateConnect)
            if not c.is_gone and any(e.kind == "port" and e.name == port_name for e in c.ends)
        ]
        if users:
            raise PortInUseError(
                f"port {port_name} is an end of {', '.join(users)}; delete those private connects "
                f"(and let their 2-day retention pass) before deleting the port"
            )
        port.delete(at)

    def _end(
        self, spec: str, connect: str, bandwidth_mbps: int, rules: RuleBook, at: datetime, new: list[Resource]
    ) -> tuple[End, int | None]:
        kind, _, rest = spec.partition(":")
        if kind == "port":
            port = self.get(rest, Port)
            port.check_not_gone("connect")
            return End(kind="port", name=port.name, resource_id=port.id, site=port.site), None
        if kind == "aws":
            name, _, site = rest.partition("@")
            if not name or not site:
                raise InvalidStateError(f"an AWS end is written aws:NAME@SITE, got {spec!r}")
            self._check_new_name(name, {r.name for r in new})
            policy = rules.policies.zenlayer_on(day_of(at))
            capacity = hosted_capacity_for(bandwidth_mbps, policy.aws_hosted_connection.capacities_mbps)
            hosted = HostedConnection.provision(name, self.account.id, site, capacity, connect, policy.version, at)
            self.require_daily_price(hosted, at, rules)
            new.append(hosted)
            return End(kind="aws", name=name, resource_id=hosted.id, site=site), capacity
        raise InvalidStateError(f"an end is port:NAME or aws:NAME@SITE, got {spec!r}")

    def create_private_connect(
        self, name: str, a_end: str, z_end: str, bandwidth_mbps: int, at: datetime, rules: RuleBook
    ) -> PrivateConnect:
        self._require_vendor("zenlayer", "a private connect")
        self._check_new_name(name, set())
        new: list[Resource] = []
        a, cap_a = self._end(a_end, name, bandwidth_mbps, rules, at, new)
        z, cap_z = self._end(z_end, name, bandwidth_mbps, rules, at, new)
        if a.name == z.name:
            raise InvalidStateError(f"private connect {name} needs two different ends, got {a.name} twice")
        caps = [c for c in (cap_a, cap_z) if c is not None]
        connect = PrivateConnect.order(name, self.account.id, a, z, bandwidth_mbps, min(caps) if caps else None, at)
        self.require_daily_price(connect, at, rules, mbps=bandwidth_mbps)
        for r in new:
            self._add(r, at)
        self._add(connect, at)
        self._start_ready_connects(at)
        return connect

    def accept_hosted_connection(self, name: str, at: datetime) -> None:
        self.get(name, HostedConnection).accept(at)
        self._start_ready_connects(at)

    def _end_is_active(self, end: End) -> bool:
        r = self.resources[end.name]
        return isinstance(r, (Port, HostedConnection)) and r.is_active

    def _start_ready_connects(self, at: datetime) -> None:
        for c in self.of_kind(PrivateConnect):
            if c.state == "pending" and all(self._end_is_active(e) for e in c.ends):
                c.start_billing(at)

    def raise_bandwidth(self, name: str, mbps: int, at: datetime, rules: RuleBook) -> None:
        connect = self.get(name, PrivateConnect)
        self.require_daily_price(connect, at, rules, mbps=mbps)
        connect.raise_bandwidth(mbps, at)

    def cut_bandwidth(self, name: str, mbps: int, at: datetime, rules: RuleBook) -> None:
        self.get(name, PrivateConnect).cut_bandwidth(mbps, at, rules.policies.zenlayer_on(day_of(at)))

    def hosted_ends(self, connect: PrivateConnect) -> list[HostedConnection]:
        return [h for e in connect.ends if e.kind == "aws" for h in [self.get(e.name, HostedConnection)]]

    def delete_private_connect(self, name: str, at: datetime, rules: RuleBook) -> None:
        connect = self.get(name, PrivateConnect)
        connect.delete(at, rules.policies.zenlayer_on(day_of(at)))
        for h in self.hosted_ends(connect):
            h.delete_with_connect(at)

    def recover_private_connect(self, name: str, at: datetime) -> None:
        connect = self.get(name, PrivateConnect)
        hosted = self.hosted_ends(connect)
        ports_ok = all(self.get(e.name, Port).is_active for e in connect.ends if e.kind == "port")
        connect.recover(at, both_ends_active=ports_ok and all(h.accepted for h in hosted))
        for h in hosted:
            h.recover_with_connect(at)

    # -------------------------------------------------------------- alibaba
    def apply_physical_connection(
        self, name: str, region: str, spec: str, leased_line: LeasedLine, at: datetime, rules: RuleBook
    ) -> PhysicalConnection:
        self._require_vendor("alibaba", "a physical connection")
        self._check_new_name(name, set())
        pc = PhysicalConnection.apply_for(name, self.account.id, region, spec, leased_line, at)
        self.require_daily_price(pc, at, rules)
        quote = rules.prices.quote("alibaba", "setup_fee", {"spec": spec}, day_of(at), self.account.currency)
        line = ChargeLine.priced(
            quote=quote,
            resource=name,
            resource_id=pc.id,
            kind=pc.KIND,
            period_start=day_of(at),
            period_end=day_of(at),
            quantity=1,
            basis=f"one-time setup of a {spec} physical connection",
        )
        self._add(pc, at)
        self.debit("setup_fee", [line], at, rules)
        return pc

    def terminate_physical_connection(self, name: str, at: datetime) -> None:
        self.get(name, PhysicalConnection).terminate(at)

    def _subscription_line(
        self, ri: RouterInterface, months: int, start: datetime, end: datetime, rules: RuleBook
    ) -> ChargeLine:
        day = day_of(start)
        if ri.connection_type == "vpc":
            match = {"connection_type": "vpc", "spec": ri.spec, "distance": ri.distance_band or ""}
            where = f"VPC {ri.initiator_region} -> {ri.receiver_region} ({ri.distance_band})"
        else:
            match = {
                "connection_type": "physical",
                "spec": ri.spec,
                "initiator_region": ri.initiator_region,
                "receiver_region": ri.receiver_region,
            }
            where = f"{ri.initiator_region} -> {ri.receiver_region}"
        quote = rules.prices.quote("alibaba", "router_interface", match, day, self.account.currency)
        return ChargeLine.priced(
            quote=quote,
            resource=ri.name,
            resource_id=ri.id,
            kind=ri.KIND,
            period_start=day,
            period_end=day_of(end) - ONE_DAY,
            quantity=months,
            basis=f"initiator {ri.spec} {where}, subscription {start.isoformat()} to {end.isoformat()}",
        )

    def _pay_in_advance(self, line: ChargeLine, what: str) -> None:
        if self.account.balance < line.amount:
            raise InsufficientBalanceError(
                f"{what} costs {line.amount} {line.currency} in advance but account {self.account.name} "
                f"has {self.account.balance} {self.account.currency}; pay first"
            )

    def create_router_interface(
        self,
        *,
        name: str,
        role: str,
        connection_type: str,
        initiator_region: str,
        receiver_region: str,
        spec: str,
        at: datetime,
        rules: RuleBook,
        months: int | None = None,
        auto_renew: bool = False,
        physical_connection: str | None = None,
        peer: str | None = None,
    ) -> RouterInterface:
        self._require_vendor("alibaba", "a router interface")
        self._check_new_name(name, set())
        if role not in ("initiator", "receiver"):
            raise InvalidStateError(f"role must be initiator or receiver, got {role!r}")
        if connection_type not in ("physical", "vpc"):
            raise InvalidStateError(f"connection_type must be physical or vpc, got {connection_type!r}")
        if physical_connection is not None:
            self.get(physical_connection, PhysicalConnection).check_not_gone("attach a router interface to")
        if connection_type == "physical" and physical_connection is None:
            raise InvalidStateError(f"router interface {name} on a physical connection needs physical_connection=NAME")
        band = None
        if connection_type == "vpc":
            band, _ = rules.prices.distance_band("alibaba", initiator_region, receiver_region, day_of(at))
        if role == "receiver":
            if months is not None or auto_renew:
                raise InvalidStateError(
                    f"{name} is a receiver: it is created as pay-as-you-go and never charged; drop months/auto_renew"
                )
            ri = RouterInterface.open(
                name=name,
                account_id=self.account.id,
                role=role,
                connection_type=connection_type,
                initiator_region=initiator_region,
                receiver_region=receiver_region,
                spec=spec,
                distance_band=band,
                physical_connection=physical_connection,
                peer=peer,
                expires_at=None,
                auto_renew=False,
                at=at,
            )
            self._add(ri, at)
            return ri
        if not months or months < 1:
            raise InvalidStateError(f"initiator {name} is a subscription: give months=N (N >= 1)")
        expires_at = add_months(at, months)
        ri = RouterInterface.open(
            name=name,
            account_id=self.account.id,
            role=role,
            connection_type=connection_type,
            initiator_region=initiator_region,
            receiver_region=receiver_region,
            spec=spec,
            distance_band=band,
            physical_connection=physical_connection,
            peer=peer,
            expires_at=expires_at,
            auto_renew=auto_renew,
            at=at,
        )
        line = self._subscription_line(ri, months, at, expires_at, rules)
        self._pay_in_advance(line, f"router interface {name} for {months} month(s)")
        self._add(ri, at)
        self.debit("subscription", [line], at, rules)
        return ri

    def renew_router_interface(
        self, name: str, months: int, at: datetime, rules: RuleBook, automatic: bool = False
    ) -> None:
        ri = self.get(name, RouterInterface)
        policy = rules.policies.alibaba_on(day_of(at))
        start, end = ri.renewal_term(at, months, policy)
        line = self._subscription_line(ri, months, start, end, rules)
        self._pay_in_advance(line, f"renewing {name} for {months} month(s)")
        ri.renew(at, months, policy, automatic=automatic)
        self.debit("renewal", [line], at, rules)

    def set_auto_renew(self, name: str, enabled: bool, at: datetime) -> None:
        self.get(name, RouterInterface).set_auto_renew(enabled, at)

    def add_route_entry(self, name: str, destination_cidr: str, at: datetime) -> None:
        self.get(name, RouterInterface).add_route_entry(destination_cidr, at)
