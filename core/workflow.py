"""State machines declared as tables, and the one way to apply a transition.

A ``Workflow`` lists the states of one status field and its actions; each action names the states
it may start from, the state it leads to and guards: pure functions ``guard(obj, context)`` that
return None when the action may go ahead, or the reason it may not. ``allowed_actions`` and
``check`` answer from the table alone, without the database, so screens can offer only what is
possible and the tables have pure tests.

``transition`` applies an action with a conditional update,
``UPDATE ... SET status = <to> WHERE pk = <pk> AND status = <expected>``, where ``expected`` is
the state the caller saw. Nothing updated means another worker got there first: the caller gets
a ``Conflict``, never a silent overwrite. The audit row is written in the same transaction.
Each app declares its own audit table from ``TransitionRecord`` because the objects live in
different schemas (a member library's items and import jobs, the consortium's proposals).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict

Guard = Callable[[Any, Mapping[str, Any]], "str | None"]


def guard_code(code: str) -> Callable[[Guard], Guard]:
    """Give a guard's refusals their own error code (the API's ``code``) instead of the workflow's."""

    def mark(guard: Guard) -> Guard:
        guard.code = code
        return guard

    return mark


@dataclass(frozen=True)
class Action:
    """One row of the table: from which states, to which state, on which conditions."""

    name: str
    sources: frozenset[str]
    target: str
    guards: tuple[Guard, ...] = ()
    label: str = ""

    def __post_init__(self):
        # Tables are written with lists and sets; store them immutable like the rest.
        object.__setattr__(self, "sources", frozenset(self.sources))
        object.__setattr__(self, "guards", tuple(self.guards))
        object.__setattr__(self, "label", self.label or self.name)


@dataclass(frozen=True)
class Workflow:
    """The table of one status field: its states, its actions and what callers are told."""

    states: Mapping[str, str]  # state -> readable label
    actions: tuple[Action, ...]
    field: str = "status"
    # Told to a caller whose action does not start from the state it saw (%(action)s, %(state)s).
    refused: str = _("“%(action)s” is not possible while the status is “%(state)s”.")
    refused_code: str = "not_allowed"
    # Told to the loser of a race: the state changed between reading and writing (%(state)s).
    lost: str = _("Someone else changed this first (it is no longer “%(state)s”); reload and try again.")
    lost_code: str = "changed"
    _by_name: dict[str, Action] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self):
        by_name: dict[str, Action] = {}
        for action in self.actions:
            if action.name in by_name:
                raise ValueError(f"action {action.name!r} is declared twice")
            unknown = (action.sources | {action.target}) - set(self.states)
            if unknown:
                raise ValueError(f"action {action.name!r} names unknown states {sorted(unknown)}")
            by_name[action.name] = action
        object.__setattr__(self, "_by_name", by_name)

    def action(self, name: str) -> Action:
        try:
            return self._by_name[name]
        except KeyError:
            raise ValueError(f"unknown action {name!r}") from None

    def label(self, state: str) -> str:
        return str(self.states.get(state, state))

    def check(self, action: str, state: str, obj: Any = None, context: Mapping[str, Any] | None = None) -> str | None:
        """None if ``action`` may be applied to ``obj`` in ``state``, else the reason it may not."""
        refusal = self.refusal(action, state, obj, context)
        return refusal[0] if refusal else None

    def refusal(self, action: str, state: str, obj: Any = None,
                context: Mapping[str, Any] | None = None) -> tuple[str, str] | None:
        """Like ``check``, with the error code: the workflow's, or the ``code`` a guard carries."""
        act = self.action(action)
        if state not in act.sources:
            return str(self.refused) % {"action": act.label, "state": self.label(state)}, self.refused_code
        for guard in act.guards:
            reason = guard(obj, context or {})
            if reason:
                return str(reason), getattr(guard, "code", self.refused_code)
        return None

    def allowed_actions(self, state: str, obj: Any = None, context: Mapping[str, Any] | None = None) -> list[str]:
        """The names of the actions that ``check`` lets through, in table order."""
        return [a.name for a in self.actions if self.check(a.name, state, obj, context) is None]

    def action_between(self, state: str, target: str) -> Action | None:
        """The action that leads from ``state`` to ``target`` (for callers that name the state they want)."""
        for action in self.actions:
            if state in action.sources and action.target == target:
                return action
        return None


class TransitionRecord(models.Model):
    """Abstract audit row of one applied transition.

    A concrete table adds ``subject``, a foreign key to the object whose state changed.
    ``actor_id`` is a plain number, not a foreign key, because a member library's schema keeps
    its own audit rows while users live in the public schema.
    """

    from_state = models.CharField(_("from"), max_length=30)
    to_state = models.CharField(_("to"), max_length=30)
    action = models.CharField(_("action"), max_length=40)
    actor_id = models.IntegerField(null=True, blank=True)
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.from_state} -> {self.to_state} ({self.action})"


def actor_parts(actor) -> tuple[int | None, str]:
    """A user, or a plain name for work done by the system (a worker, a command), or None."""
    if actor is None:
        return None, ""
    if isinstance(actor, str):
        return None, actor[:150]
    name = actor.get_username() if hasattr(actor, "get_username") else str(actor)
    return getattr(actor, "pk", None), name[:150]


def transition(obj: models.Model, workflow: Workflow, action: str, *, audit: type[TransitionRecord],
               expected: str | None = None, actor=None, note: str = "", values: Mapping[str, Any] | None = None,
               context: Mapping[str, Any] | None = None) -> models.Model:
    """Apply ``action`` to ``obj`` and write its ``audit`` row, both in one transaction.

    ``expected`` is the state the caller saw (by default the one ``obj`` holds). ``values`` are
    further fields set by the same UPDATE (who decided, when). Raises ``Conflict`` when the table
    forbids the action, or when the row is no longer in ``expected``: another worker got there
    first. On success ``obj`` carries the new values.
    """
    seen = getattr(obj, workflow.field) if expected is None else expected
    refusal = workflow.refusal(action, seen, obj, context)
    if refusal:
        raise Conflict(refusal[0], code=refusal[1])
    act = workflow.action(action)
    model = type(obj)
    now = timezone.now()
    changes = {workflow.field: act.target, **(values or {})}
    # .update() skips auto_now; the row should still say it changed.
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) and f.name not in changes:
            changes[f.name] = now
    actor_id, actor_name = actor_parts(actor)
    with transaction.atomic():
        updated = model._default_manager.filter(pk=obj.pk, **{workflow.field: seen}).update(**changes)
        if not updated:
            raise Conflict(str(workflow.lost) % {"state": workflow.label(seen)}, code=workflow.lost_code)
        audit.objects.create(subject_id=obj.pk, from_state=seen, to_state=act.target, action=act.name,
                             actor_id=actor_id, actor_name=actor_name, at=now, note=note or "")
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj


def transition_all(queryset: models.QuerySet, workflow: Workflow, action: str, *, audit: type[TransitionRecord],
                   actor=None, note: str = "", values: Mapping[str, Any] | None = None) -> int:
    """Apply ``action`` to every row of ``queryset`` it may start from (system sweeps); returns how many.

    The rows are locked first, so a concurrent ``transition`` on one of them waits and then
    finds the state changed. Guards are not consulted: sweeps act on rows, not on loaded objects.
    """
    act = workflow.action(action)
    now = timezone.now()
    changes = {workflow.field: act.target, **(values or {})}
    for f in queryset.model._meta.concrete_fields:
        if getattr(f, "auto_now", False) and f.name not in changes:
            changes[f.name] = now
    actor_id, actor_name = actor_parts(actor)
    with transaction.atomic():
        rows = list(queryset.filter(**{f"{workflow.field}__in": act.sources}).select_for_update(of=("self",))
                    .order_by("pk").values_list("pk", workflow.field))
        if not rows:
            return 0
        queryset.model._default_manager.filter(pk__in=[pk for pk, _state in rows]).update(**changes)
        audit.objects.bulk_create([
            audit(subject_id=pk, from_state=state, to_state=act.target, action=act.name, actor_id=actor_id,
                  actor_name=actor_name, at=now, note=note or "")
            for pk, state in rows
        ])
    return len(rows)
