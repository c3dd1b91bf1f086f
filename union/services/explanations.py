"""Why member records are one union record: the keys each joined on, and each member compared with
the master record. The API answers it as JSON; the staff record page shows the same members."""

from __future__ import annotations

from dataclasses import dataclass

from union.matching import MatchRecord, compare
from union.models import UnionHolding, UnionRecord


@dataclass(frozen=True)
class MemberExplanation:
    holding: UnionHolding
    is_master: bool
    against_master: dict | None  # None for the master itself, or when the record has no master

    def as_json(self) -> dict:
        entry = {
            "library": self.holding.library.code,
            "instance_id": self.holding.instance_id,
            "joined": self.holding.matched_on,
            "master": self.is_master,
        }
        if self.against_master is not None:
            entry["against_master"] = self.against_master
        return entry


def explain_members(union_record: UnionRecord) -> list[MemberExplanation]:
    """Every member of ``union_record`` (by library code, then instance), each against the master."""
    holdings = list(union_record.holdings.select_related("library").order_by("library__code", "instance_id"))
    master_ref = (union_record.master_library_id, union_record.master_instance_id)
    master = next((h for h in holdings if (h.library_id, h.instance_id) == master_ref), None)
    members = []
    for holding in holdings:
        against = None
        if master is not None and holding is not master:
            against = compare(
                MatchRecord.from_json(None, holding.match_data), MatchRecord.from_json(None, master.match_data)
            ).explain()
        members.append(MemberExplanation(holding, holding is master, against))
    return members


def why(union_record: UnionRecord) -> dict:
    return {
        "urid": union_record.urid,
        "match_keys": union_record.match_keys,
        "members": [member.as_json() for member in explain_members(union_record)],
    }
