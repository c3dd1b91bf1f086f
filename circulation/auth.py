"""Readers sign in with their card number and the PIN the library set.

The card file stays in the library's schema. A reader who signs in gets an opaque public account
(``reader-<library pk>-<reader pk>``: no name, no e-mail, no usable password) holding a reader
membership of that library, so the rest of the site knows them as a member and nothing more.
Failures are counted per library and card in the cache: after ``MAX_FAILURES`` the card is
locked for ``LOCK_SECONDS``, so a PIN cannot be guessed by trying them all.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.db import connection, transaction

from circulation.models import Reader
from tenants.models import Membership, Role

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


def _failures_key(library, card: str) -> str:
    return f"reader-login-failures:{library.pk}:{card.strip().lower()}"


def is_locked(library, card: str) -> bool:
    return cache.get(_failures_key(library, card), 0) >= MAX_FAILURES


def _count_failure(library, card: str) -> None:
    key = _failures_key(library, card)
    if cache.add(key, 1, LOCK_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LOCK_SECONDS)


def opaque_username(library, reader: Reader) -> str:
    return f"reader-{library.pk}-{reader.pk}"


def account_for(library, reader: Reader):
    """The reader's public account (made on first sign-in), with a reader membership of ``library``."""
    User = get_user_model()
    role = Role.STUDENT if reader.kind == Reader.Kind.STUDENT else Role.TEACHER
    with transaction.atomic():
        user = User.objects.filter(pk=reader.user_id).first() if reader.user_id else None
        if user is None:
            user, _created = User.objects.get_or_create(username=opaque_username(library, reader))
            if _created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            Reader.objects.filter(pk=reader.pk).update(user_id=user.pk)
            reader.user_id = user.pk
        if not Membership.objects.filter(user=user, library=library, role__in=(Role.STUDENT, Role.TEACHER)).exists():
            Membership.objects.create(user=user, library=library, role=role)
    return user


def check_card_and_pin(library, card: str, pin: str) -> Reader | None:
    """The active reader whose card and PIN these are, else None (and the failure is counted).

    Runs in ``library``'s schema (the sign-in page's request already is).
    """
    card = (card or "").strip()
    if not card or not pin or is_locked(library, card):
        if card and pin:
            _count_failure(library, card)
        return None
    reader = Reader.objects.filter(card_number=card).first()
    # Without a hash check_password still runs the hasher once: an unknown card takes as long as a wrong PIN.
    ok = check_password(pin, reader.pin_hash if reader else None)
    if not ok or reader.status != Reader.Status.ACTIVE:
        _count_failure(library, card)
        return None
    cache.delete(_failures_key(library, card))
    return reader


class ReaderCardBackend(ModelBackend):
    """``authenticate(request, library=..., card_number=..., pin=...)``: a reader's sign-in."""

    def authenticate(self, request, library=None, card_number=None, pin=None, **kwargs):
        if library is None or card_number is None or pin is None:
            return None
        if connection.schema_name != library.schema_name:
            return None  # the card file is the library's: only read from inside its schema
        reader = check_card_and_pin(library, card_number, pin)
        if reader is None:
            return None
        user = account_for(library, reader)
        return user if self.user_can_authenticate(user) else None
