"""The notice view: every reminder and notice the lifecycle sent, to whom.

Zenlayer's ladder sends a reminder when protection starts, a suspension notice and a
final notice, each to the account's AdministratorAccess and Finance users (the
roles are policy data). The mailer reads these through the feed.

Keys:
  notices:<account_id>   account (name); <nid> {at, notice, subject, recipients}
"""

from __future__ import annotations

from typing import Any

from linkledger.domain.account import Account
from linkledger.projections.projection import Projection, ViewBatch, dumps, loads
from linkledger.projections.records import Record


class NoticeProjection(Projection):
    name = "notices"
    version = 1
    topics = frozenset({Account.Opened.TOPIC, Account.NoticeSent.TOPIC})
    description = "per account: reminders and notices with their recipients"

    def apply(self, record: Record, view: ViewBatch) -> None:
        data = record.data
        key = f"notices:{record.originator_id}"
        if record.topic == Account.Opened.TOPIC:
            view.set(key, "account", data["name"])
            return
        notice = {
            "at": data["at"],
            "notice": data["notice"],
            "subject": data["subject"],
            "recipients": data["recipients"],
        }
        view.set(key, f"{record.nid:012d}", dumps(notice))


def notices_document(fields: dict[str, str]) -> dict[str, Any]:
    return {
        "account": fields.get("account", ""),
        "notices": [loads(fields[f]) for f in sorted(f for f in fields if f[0].isdigit())],
    }
