"""Cleaning and mapping take time in proportion to the text, whatever the text is made of.

A title that is one long run of ISBD punctuation (" . . . .") used to be stripped one mark at a
time, each step copying and rescanning the whole title: an 80 KB title took minutes to map.
"""

from __future__ import annotations

import time

import pymarc

from marc_import.mapping import map_record
from marc_import.mapping.common import clean
from tests.marc_import.conftest import INPUT

RUN = " . . . ."


def _seconds(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def _ratio(func, long, short, times: int = 7) -> float:
    """Best time of ``long`` over best time of ``short``, measured in turns, so that a load
    arriving midway (another test worker on the same cores) weighs on both alike."""
    longs, shorts = [], []
    for _ in range(times):
        longs.append(_seconds(func, long))
        shorts.append(_seconds(func, short))
    return min(longs) / min(shorts)


def _record_with_title(title: str) -> pymarc.Record:
    with open(INPUT / "marc21_ascii.mrc", "rb") as handle:
        record = next(iter(pymarc.MARCReader(handle)))
    record["245"].subfields = [pymarc.Subfield("a", title), pymarc.Subfield("c", "Tobias Martinsson.")]
    return record


def test_an_80_kb_title_of_punctuation_runs_maps_in_well_under_a_second():
    title = "ActivePerl with ASP and ADO" + RUN * (80_000 // len(RUN))
    record = _record_with_title(title)
    start = time.perf_counter()
    mapped = map_record(record, "marc21")
    assert time.perf_counter() - start < 2
    assert mapped["title"] == "ActivePerl with ASP and ADO"


def test_cleaning_twice_the_run_takes_about_twice_the_time():
    short = "Title" + RUN * 10_000
    long = "Title" + RUN * 20_000
    assert clean(short) == clean(long) == "Title"
    ratio = _ratio(clean, long, short)
    # Linear work doubles; quadratic work quadruples. The bound leaves room for a noisy machine.
    assert ratio < 3.2, ratio


def test_cleaning_a_long_run_of_leading_marks_is_linear():
    short, long = " /" * 100_000 + "Title", " /" * 200_000 + "Title"
    assert clean(short) == clean(long) == "Title"
    ratio = _ratio(clean, long, short)
    assert ratio < 3.2, ratio


def test_an_abbreviation_at_the_end_of_a_long_run_keeps_its_full_stop():
    text = "Smith, J." + RUN * 1_000 + " p."
    assert clean(text) == text
    assert clean("Smith, J." + RUN * 1_000) == "Smith, J."
    assert clean("Memoirs / by J.") == "Memoirs / by J."
