"""The one ISBN reading shared by import, matching and search (pure: no database)."""

from __future__ import annotations

import isbnlib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.isbn import _isbn13_read, compact, is_isbn_shaped, isbn10, isbn13, search_forms


@pytest.mark.parametrize(
    "value",
    [
        "9787503717444",
        "978-7-5037-1744-4",
        "978 7 5037 1744 4",
        "7503717440",
        "7-5037-1744-0",
        "7 5037 1744 0",
        "７－５０３７－１７４４－０",  # full-width digits and hyphens, as a Chinese input method types them
        "978\u20137\u201350371744\u20134",  # en dashes
        "ISBN 7-5037-1744-0",
        "7-5037-1744-0 (pbk.)",
        "ISBN 978-7-5037-1744-4 : CNY25.00",
    ],
)
def test_every_way_of_writing_one_isbn_gives_one_isbn13(value):
    assert isbn13(value) == "9787503717444"


def test_an_isbn10_with_check_digit_x_in_either_case():
    assert isbn13("080442957X") == isbn13("080442957x") == isbn13("0-8044-2957-x") == "9780804429573"
    assert isbn10("9780804429573") == "080442957X"


@pytest.mark.parametrize("value", ["7-5037-1744-1", "9787503717445", "080442957-0", "978750371744X"])
def test_a_wrong_check_digit_gives_no_isbn(value):
    assert isbn13(value) is None
    assert isbn10(value) is None


def test_979_isbns_are_valid_and_have_no_isbn10():
    assert isbn13("979-10-90636-07-1") == "9791090636071"
    assert isbn10("979-10-90636-07-1") is None
    # Thirteen digits with another prefix are an EAN, not an ISBN.
    assert isbn13("4006381333931") is None


@pytest.mark.parametrize(
    "value", ["", None, "CNY68.00", "abc", "2001", "123456789", "12345678901", "0000000000", "9780000000002", "X123456789"]
)
def test_garbage_and_placeholders_give_no_isbn(value):
    assert isbn13(value) is None


def test_the_fast_path_for_clean_values_agrees_with_the_general_reading():
    # Clean values skip the extraction step; a separator sends the same digits the long way.
    for clean in ["9787503717444", "7503717440", "080442957X", "9787503717445", "4006381333931", "0000000000"]:
        assert isbn13(clean) == isbn13(f" {clean} ")


def test_isbn10_of_an_isbn13():
    assert isbn10("978-7-5037-1744-4") == "7503717440"
    assert isbn10("7-5037-1744-0") == "7503717440"


def test_search_forms_give_both_forms_with_check_digits_recomputed():
    assert search_forms("9787020002207") == {"9787020002207", "702000220X"}
    # 7020002207 has a mistyped check digit: the correct forms come with the value as typed.
    assert search_forms("7-02-000220-7") == {"7020002207", "702000220X", "9787020002207"}
    assert search_forms("９７８７０２０００２２０７") == {"9787020002207", "702000220X"}
    assert search_forms("979-10-90636-07-1") == {"9791090636071"}
    assert search_forms("") == set()


def test_search_forms_of_a_non_isbn_are_the_value_compacted():
    assert search_forms("abc-12") == {"ABC12"}
    assert compact(" 978-7 ") == "9787"


def test_an_isbn_shaped_query_word():
    assert is_isbn_shaped("7-02-000220-7")
    assert is_isbn_shaped("978 7 02 000220 7")
    assert is_isbn_shaped("702000220x")
    assert not is_isbn_shaped("2001")
    assert not is_isbn_shaped("4006381333931")
    assert not is_isbn_shaped("ISBN 7020002207")


@given(st.text(alphabet="0123456789Xx- ", min_size=8, max_size=18))
def test_the_fast_path_answers_as_isbnlib_does(value):
    # isbn13 takes a fast path for plain and hyphenated values; the general reading is isbnlib's.
    assert isbn13(value) == _isbn13_read(value)


@given(st.from_regex(r"97[89][0-9]{10}|[0-9]{9}[0-9X]", fullmatch=True))
def test_valid_and_invalid_isbns_are_told_apart_as_isbnlib_tells_them(value):
    expected = isbnlib.ean13(value) or None
    if value[3:12] == "000000000" or value[:9] == "000000000":
        expected = None
    assert isbn13(value) == expected
    assert isbn13(value[:3] + "-" + value[3:]) == expected
