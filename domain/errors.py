"""Every refusal the ledger makes, one class each, under LedgerError.

Messages name the rule that refused and say what the user can do about it.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every refusal. `rule` names the pricing-page rule behind it."""

    rule: str = "ledger"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


class RuleFileError(LedgerError):
    rule = "rule files"

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} is refused, {len(problems)} problem(s):\n{listed}")


class PriceNotFoundError(LedgerError):
    rule = "price book"


class PolicyNotFoundError(LedgerError):
    rule = "lifecycle policy"


class MoneyError(LedgerError):
    rule = "money"


class CurrencyMismatchError(MoneyError):
    pass


class InvalidAmountError(MoneyError):
    pass


class TimeRunsBackwardError(LedgerError):
    rule = "time is data"


class UnknownAccountError(LedgerError):
    rule = "accounts"


class UnknownResourceError(LedgerError):
    rule = "resources"


class DuplicateNameError(LedgerError):
    rule = "names are unique"


class VendorMismatchError(LedgerError):
    rule = "one vendor per account"


class WrongResourceKindError(LedgerError):
    rule = "resources"


class ResourceGoneError(LedgerError):
    """A command on a resource that was released, recycled, purged or deleted for good."""

    rule = "released is final"


class InvalidStateError(LedgerError):
    rule = "lifecycle"


class BandwidthError(LedgerError):
    rule = "bandwidth cap"


class BandwidthCutLimitError(BandwidthError):
    rule = "at most 3 bandwidth cuts per calendar month"


class HostedCapacityExceededError(BandwidthError):
    rule = "AWS hosted connection capacity is fixed"


class RecoveryWindowClosedError(LedgerError):
    rule = "deleted private connect is retained for 2 days"


class PortInUseError(LedgerError):
    rule = "ports are deleted separately"


class InsufficientBalanceError(LedgerError):
    rule = "subscription is paid in advance"


class ReceiverIsFreeError(LedgerError):
    rule = "only the initiator is charged"


class UnknownInvoiceError(LedgerError):
    rule = "invoice"


class PriceCorrectionError(LedgerError):
    rule = "price correction"


class InvalidNameError(LedgerError):
    """A name or e-mail address that is empty, too long, or has characters it cannot have."""

    rule = "names"


class InvalidInputError(LedgerError):
    """An argument that is not what the command takes (a count out of range, a wrong type)."""

    rule = "input"
