"""The rules a store holds: every price book and policy ever loaded into it.

Loading a rule file records it here, with its version, effective date, a digest of
its content and the rules themselves, at the ledger time it was loaded. Commands and
`advance` price and decide with what the store holds, so a store is continued
without naming its files again, and "which prices did we know at time T" is a read
of this aggregate's history. A version is recorded once: the same content again is
a no-op, different content under a recorded version is refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar
from uuid import NAMESPACE_URL, uuid5

from linkledger.domain.errors import PriceCorrectionError, RuleFileError
from linkledger.domain.events import Aggregate
from linkledger.domain.policies import AlibabaPolicy, Policy, PolicyBook, ZenlayerPolicy
from linkledger.domain.price_book import PriceBook, PriceCatalog
from linkledger.domain.price_correction import PriceCorrection
from linkledger.domain.rule_book import RuleBook
from pydantic import Field

RULE_LIBRARY_ID = uuid5(NAMESPACE_URL, "linkledger:rule-library")

AnyPolicy = Annotated[ZenlayerPolicy | AlibabaPolicy, Field(discriminator="vendor")]
# One recorded rule file: (kind, rules, digest, source, recorded at); kind is "price book",
# "policy" or "correction".
Recorded = tuple[str, PriceBook | Policy | PriceCorrection, str, str, datetime]


def digest(rules: PriceBook | Policy | PriceCorrection) -> str:
    """sha256 of the rules' canonical JSON: formatting and comments in the file do not count."""
    data = rules.model_dump(mode="json")
    if data.get("invoicing", "given") is None:  # added in step 4: a policy without it keeps its digest
        del data["invoicing"]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class RuleLibrary(Aggregate):
    TOPIC = "linkledger.RuleLibrary"

    if TYPE_CHECKING:  # set by Started, extended by the other events (see Aggregate)
        recorded: list[Recorded]  # in the order recorded

    class Event(Aggregate.Event):
        TOPIC: ClassVar[str] = "linkledger.RuleLibrary.Event"

    class Created(Aggregate.Created):
        TOPIC: ClassVar[str] = "linkledger.RuleLibrary.Created"

    class Started(Created, Event):
        TOPIC: ClassVar[str] = "linkledger.RuleLibrary.Started"

        def apply(self, lib: RuleLibrary) -> None:
            lib.recorded = []  # (kind, rules, digest, source, at), in the order recorded

    class PriceBookRecorded(Event):
        TOPIC: ClassVar[str] = "linkledger.RuleLibrary.PriceBookRecorded"
        book: PriceBook
        digest: str
        source: str

        def apply(self, lib: RuleLibrary) -> None:
            lib.recorded.append(("price book", self.book, self.digest, self.source, self.at))

    class PolicyRecorded(Event):
        TOPIC: ClassVar[str] = "linkledger.RuleLibrary.PolicyRecorded"
        policy: AnyPolicy
        digest: str
        source: str

        def apply(self, lib: RuleLibrary) -> None:
            lib.recorded.append(("policy", self.policy, self.digest, self.source, self.at))

    class PricesCorrected(Event):
        """A price correction: the corrected entries' prices from `valid_from` (see
        `domain.price_correction`). The accounts that used them are re-rated after it."""

        TOPIC: ClassVar[str] = "linkledger.RuleLibrary.PricesCorrected"
        correction: PriceCorrection
        digest: str
        source: str

        def apply(self, lib: RuleLibrary) -> None:
            lib.recorded.append(("correction", self.correction, self.digest, self.source, self.at))

    @classmethod
    def start(cls, at: datetime) -> RuleLibrary:
        return cls._create(cls.Started, id=RULE_LIBRARY_ID, at=at)

    @property
    def price_books(self) -> list[PriceBook]:
        return [r for _, r, *_ in self.recorded if isinstance(r, PriceBook)]

    @property
    def policies(self) -> list[Policy]:
        return [r for _, r, *_ in self.recorded if isinstance(r, ZenlayerPolicy | AlibabaPolicy)]

    @property
    def corrections(self) -> list[tuple[PriceCorrection, datetime]]:
        """Every price correction, in the order recorded, with the ledger time it was recorded at."""
        return [(r, at) for _, r, _, _, at in self.recorded if isinstance(r, PriceCorrection)]

    def check_correction(self, correction: PriceCorrection) -> None:
        """Refuse a correction that would not change the price of an entry in force on its date."""
        catalog = self.rule_book().prices
        problems = []
        for e in correction.entries:
            for currency in e.price:
                if catalog.entry_price(correction.vendor, e.describe(), correction.valid_from, currency) is None:
                    problems.append(
                        f"{e.describe()} ({currency}) is not priced by any {correction.vendor} price book in force on "
                        f"{correction.valid_from.isoformat()}; a correction changes an existing price, a new price "
                        "goes in a new price book"
                    )
            problems += [
                f"{e.describe()} is priced per {x.per} in {b.version}, not per {e.per}; a correction keeps the unit"
                for b in catalog.books
                if b.vendor == correction.vendor and b.effective_on <= correction.valid_from
                for x in b.entries
                if x.key == e.key and x.per != e.per
            ]
        if problems:
            raise PriceCorrectionError(f"correction {correction.id}: " + "; ".join(problems))

    def record_correction(self, correction: PriceCorrection, source: str, at: datetime) -> bool:
        """Record a price correction unless this very one is already held; True if recorded."""
        d = digest(correction)
        known = next(
            (dg for _, r, dg, *_ in self.recorded if isinstance(r, PriceCorrection) and r.id == correction.id), None
        )
        if known is not None:
            if known != d:
                raise PriceCorrectionError(
                    f"correction {correction.id} is already recorded with different content; a further fix is a new "
                    "correction with a new id"
                )
            return False
        self.check_correction(correction)
        self.trigger_event(self.PricesCorrected, correction=correction, digest=d, source=source, at=at)
        return True

    def _is_new(self, kind: str, version: str, new_digest: str, source: str) -> bool:
        known = next((d for k, r, d, *_ in self.recorded if k == kind and r.version == version), None)
        if known is None:
            return True
        if known != new_digest:
            raise RuleFileError(
                source,
                [
                    f"{kind} version {version!r} is already recorded in this store with different content "
                    f"({known[:19]}..., this file {new_digest[:19]}...); a change is a new file with a new version"
                ],
            )
        return False

    def record_price_book(self, book: PriceBook, source: str, at: datetime) -> bool:
        """Record a price book unless this very version is already held; True if recorded."""
        d = digest(book)
        if not self._is_new("price book", book.version, d, source):
            return False
        PriceCatalog([*self.price_books, book])  # refuses two books pricing one item on one date
        self.trigger_event(self.PriceBookRecorded, book=book, digest=d, source=source, at=at)
        return True

    def record_policy(self, policy: Policy, source: str, at: datetime) -> bool:
        d = digest(policy)
        if not self._is_new("policy", policy.version, d, source):
            return False
        PolicyBook([*self.policies, policy])  # refuses two policies of a vendor on one date
        self.trigger_event(self.PolicyRecorded, policy=policy, digest=d, source=source, at=at)
        return True

    def rule_book(self) -> RuleBook:
        return RuleBook(
            prices=PriceCatalog(self.price_books, [c.as_book() for c, _ in self.corrections]),
            policies=PolicyBook(self.policies),
        )

    def describe(self) -> list[dict[str, Any]]:
        """Every recorded rule file, in the order recorded."""
        return [
            {
                "kind": kind,
                "vendor": r.vendor,
                "version": r.version,
                "effective_on": r.effective_on.isoformat(),
                "digest": d,
                "source": source,
                "recorded_at": at.isoformat(),
            }
            for kind, r, d, source, at in self.recorded
        ]
