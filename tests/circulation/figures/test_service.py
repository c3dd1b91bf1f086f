"""The figures service against values computed by hand from the school in conftest.py.

In the term 2026-09-01..2027-01-15: 11 loans (8 by students, 2 to class 3-2's corner, 1 by a
teacher); 7 students borrowed (S1, S2, S4, S5, S6, S7, S8); 6 students hold an active card; the
school's enrolment is 10; 9 items are held (the withdrawn one is not), 4 of them new in 2027.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from circulation.exceptions import NotFound, UserError
from circulation.services import figures


def figures_for(library, **period):
    with tenant_context(library):
        result = figures.school_figures(library, figures.period_for(**period))
    connection.set_schema_to_public()
    return result


def by_key(result) -> dict:
    return {f["key"]: f for f in result["summary"]}


def test_the_summary_of_a_term_matches_the_hand_count(school):
    result = figures_for(school["library"], term=school["term"].pk)
    assert result["period"] == {"kind": "term", "from": "2026-09-01", "to": "2027-01-15", "label": "2026 autumn",
                                "term": school["term"].pk}
    assert result["enrolment"] == {"students": 10, "source": "library"}
    got = {key: (f["value"], f["numerator"], f["denominator"]) for key, f in by_key(result).items()}
    assert got == {
        "loans_per_student": (1.33, 8, 6),
        "card_share": (0.6, 6, 10),
        "borrower_share": (0.7, 7, 10),
        "circulation_rate": (1.22, 11, 9),
        "items_per_student": (0.9, 9, 10),
        "new_items_per_student": (0.4, 4, 10),
        "loans": (11, 11, None),
        "student_loans": (8, 8, None),
        "corner_loans": (2, 2, None),
    }


def test_loans_are_counted_to_the_students_class_and_corners_apart(school):
    result = figures_for(school["library"], term=school["term"].pk)
    c31, c32, c41 = school["classes"]
    rows = [(c["class_id"], c["grade"], c["students"], c["loans"], c["corner_loans"], c["loans_per_student"])
            for c in result["classes"]]
    assert rows == [(c31.pk, 3, 3, 3, 0, 1.0), (c32.pk, 3, 1, 2, 2, 2.0), (c41.pk, 4, 1, 2, 0, 2.0),
                    (None, None, 1, 1, 0, 1.0)]
    grades = [(g["grade"], g["students"], g["loans"], g["corner_loans"], g["loans_per_student"])
              for g in result["grades"]]
    assert grades == [(3, 4, 5, 2, 1.25), (4, 1, 2, 0, 2.0), (None, 1, 1, 0, 1.0)]


def test_the_most_borrowed_titles_rank_by_loans_then_title(school):
    result = figures_for(school["library"], term=school["term"].pk)
    assert [(t["rank"], t["title"], t["loans"]) for t in result["titles"]] == [
        (1, "Alpha book", 5), (2, "Bravo book", 2), (3, "Charlie book", 2), (4, "Echo book", 2)]
    alpha = school["titles"]["Alpha book"][0]
    with tenant_context(school["library"]):
        assert result["titles"][0]["instance_id"] == alpha.holdings.instance_id
    connection.set_schema_to_public()


def test_figures_hold_no_names_of_readers(school):
    result = figures_for(school["library"], term=school["term"].pk)
    text = repr(result)
    for reader in school["students"].values():
        assert reader.name not in text and reader.card_number not in text


def test_a_calendar_year_and_a_school_year_count_their_own_days(school):
    year = figures_for(school["library"], year=2026)
    assert (year["period"]["from"], year["period"]["to"]) == ("2026-01-01", "2026-12-31")
    # Every loan but the one of 2027-01-16; the evening of 31 August counts in 2026.
    assert by_key(year)["loans"]["value"] == 12
    assert by_key(year)["student_loans"]["value"] == 9
    # New books of 2026: the three copies of Alpha book.
    assert by_key(year)["new_items_per_student"]["numerator"] == 3
    school_year = figures_for(school["library"], school_year=2026)
    assert (school_year["period"]["from"], school_year["period"]["to"]) == ("2026-09-01", "2027-08-31")
    assert by_key(school_year)["loans"]["value"] == 12  # the term's 11 and the one of 2027-01-16


def test_explicit_days_include_both_ends_by_local_date(school):
    result = figures_for(school["library"], date_from="2026-09-01", date_to="2026-09-01")
    assert by_key(result)["loans"]["value"] == 1  # 00:30 in Beijing, still 31 August in UTC
    result = figures_for(school["library"], date_from="2026-08-31", date_to="2026-08-31")
    assert by_key(result)["loans"]["value"] == 1  # the evening loan before the term


def test_without_an_enrolment_figure_cards_stand_in_and_it_says_so(school):
    from tenants.models import Library

    Library.objects.filter(pk=school["library"].pk).update(student_count=0)
    school["library"].student_count = 0
    result = figures_for(school["library"], term=school["term"].pk)
    assert result["enrolment"] == {"students": 6, "source": "cards"}
    assert by_key(result)["card_share"]["value"] == 1.0
    assert by_key(result)["borrower_share"]["denominator"] == 6


def test_an_empty_library_has_no_division_by_zero(in_library):
    library = in_library
    library.student_count = 0
    result = figures.school_figures(library, figures.period_for(year=2026))
    assert by_key(result)["loans_per_student"]["value"] is None
    assert by_key(result)["circulation_rate"]["value"] is None
    assert result["grades"] == [] and result["titles"] == []


def test_the_figures_take_seven_queries_whatever_the_size(school):
    with tenant_context(school["library"]):
        period = figures.period_for(term=school["term"].pk)
        with CaptureQueriesContext(connection) as queries:
            figures.school_figures(school["library"], period)
    connection.set_schema_to_public()
    selects = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
    assert len(selects) == 7, selects


def test_without_a_choice_the_current_term_is_taken(school):
    with tenant_context(school["library"]):
        assert figures.period_for(today=dt.date(2026, 10, 1)).term_id == school["term"].pk
        summer = figures.period_for(today=dt.date(2026, 8, 1))  # between terms: the last one begun
        assert summer.label == "2026 spring"
        assert figures.period_for(today=dt.date(2025, 8, 1)).as_dict()["from"] == "2025-01-01"
    connection.set_schema_to_public()


@pytest.mark.parametrize("asked, code", [
    ({"term": "abc"}, "bad_period"), ({"year": "99999"}, "bad_period"), ({"date_from": "2026-09-01"}, "bad_period"),
    ({"date_from": "2026-09-02", "date_to": "2026-09-01"}, "bad_period"),
    ({"date_from": "yesterday", "date_to": "2026-09-01"}, "bad_period"),
])
def test_a_bad_period_is_refused_with_a_code(in_library, asked, code):
    with pytest.raises(UserError) as excinfo:
        figures.period_for(**asked)
    assert excinfo.value.code == code


def test_an_unknown_term_is_not_found(in_library):
    with pytest.raises(NotFound):
        figures.period_for(term=999999)
