"""Change proposals and match reviews as tables.

A proposal is decided once: accepted (its changes go into the master record) or rejected. A
match review is resolved once: merged, kept apart, or retired by the system when one of its
records left the union catalogue.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.workflow import Action, Workflow, guard_code
from union.models import MatchReview, Proposal

P = Proposal.Status
R = MatchReview.Status


@guard_code("stale")
def changes_still_apply(proposal, context) -> str | None:
    """Guard: every field still holds the value the proposal was made against (context: ``record``)."""
    record = context.get("record")
    if record is None:
        return None
    stale = [name for name, (old, _new) in proposal.changes.items() if getattr(record, name) != old]
    if stale:
        return str(_("The record has changed since the proposal was made (%(fields)s); propose again.")
                   % {"fields": ", ".join(stale)})
    return None


PROPOSAL = Workflow(
    states=dict(P.choices),
    actions=(
        Action("accept", {P.PENDING}, P.ACCEPTED, [changes_still_apply], _("accept")),
        Action("reject", {P.PENDING}, P.REJECTED, label=_("reject")),
    ),
    refused=_("This proposal has already been decided."),
    refused_code="decided",
    lost=_("This proposal has already been decided."),
    lost_code="decided",
)

MATCH_REVIEW = Workflow(
    states=dict(R.choices),
    actions=(
        Action("merge", {R.OPEN}, R.MERGED, label=_("merge")),
        Action("keep_apart", {R.OPEN}, R.KEPT_APART, label=_("keep apart")),
        Action("retire", {R.OPEN}, R.OBSOLETE, label=_("retire")),
    ),
    refused=_("This review has already been resolved."),
    refused_code="resolved",
    lost=_("This review has already been resolved."),
    lost_code="resolved",
)
