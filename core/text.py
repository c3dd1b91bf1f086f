"""Folding text for comparison: one ``fold`` for union matching and for search analysis.

Matching and search ask the same question of two strings, "would a reader call these the same
words?", and both compare a stored record with what someone typed on another keyboard, so they
fold alike:

* NFKC: full-width letters, digits and punctuation (what a Chinese input method types) become
  their ASCII forms; compatibility ideographs, ligatures and circled numbers become plain ones.
* Traditional Chinese becomes simplified (OpenCC t2s): members catalogue in either script.
  Only Han characters change, so text without them skips the conversion.
* Case folding, not just lower case: "Straße" and "STRASSE" agree.
* Accents off: the combining diacritical marks (U+0300-U+036F) are dropped after canonical
  decomposition, so "Misérables" = "Miserables", "Dvořák" = "Dvorak", and Greek and Cyrillic
  lose their accents and breves as well (ё = е). Cataloguers and readers type these
  inconsistently, and neither matching nor search should split a book over them. The few Latin
  letters that do not decompose (ø, ł, đ, æ, œ, ı) get their usual ASCII spelling.
* Marks that are part of a letter elsewhere stay: kana voicing (が is not か), Indic vowel
  signs, Hangul (recomposed). Chinese, Japanese and Korean text is otherwise left as it is.
* Runs of spacing become one space, with none at the ends.

Matching used to keep accents in ``fold`` and strip every kind of mark later (so が = か),
while search stripped every mark in ``fold`` and lower-cased instead of case folding; this is
the behaviour both want for the reasons above.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_DIACRITICS = re.compile("[\u0300-\u036f]+")
_UNDECOMPOSED_LATIN = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe", "ı": "i"})
# Texts longer than this (summaries) are folded without being cached.
_CACHED_LENGTH = 200


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if _HAN.search(text):
        text = _t2s().convert(text)
    text = text.casefold()
    decomposed = unicodedata.normalize("NFD", text)
    if _DIACRITICS.search(decomposed):
        text = unicodedata.normalize("NFC", _DIACRITICS.sub("", decomposed))
    return " ".join(text.translate(_UNDECOMPOSED_LATIN).split())


_fold_cached = lru_cache(maxsize=200_000)(_fold)


def fold(text: str | None) -> str:
    """``text`` folded for comparison (see the module docstring)."""
    if not text:
        return ""
    if text.isascii():
        # What the full fold does to ASCII, without its cost.
        return " ".join(text.lower().split())
    if len(text) > _CACHED_LENGTH:
        return _fold(text)
    return _fold_cached(text)
