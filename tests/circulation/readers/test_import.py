"""Bulk import of a term's students: CSV (UTF-8, BOM, GB18030) and XLSX, dry run, row errors."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import Workbook

from circulation.models import DeskEvent, Reader, SchoolClass
from circulation.services.reader_import import import_readers, parse_class, parse_grade

GOOD = (
    "name,student_number,grade,class,kind,email,card_number\n"
    "张三,20260001,3,2,,,\n"
    "李四,20260002,三年级,2班,student,,\n"
    "王老师,,,,teacher,wang@example.org,T001\n"
)


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def test_grades_and_classes_are_read_as_schools_write_them():
    assert [parse_grade(g) for g in ("3", "三年级", "3年级", "初一", "初三", "高二", "七年级", "十二年级")] == [
        3, 3, 3, 7, 9, 11, 7, 12]
    assert parse_grade("初四") is None and parse_grade("13") is None and parse_grade("abc") is None
    assert [parse_class(c) for c in ("2", "2班", "（2）班", "二班", "12班", "实验班")] == [
        "2", "2", "2", "2", "12", "实验"]


def test_a_good_file_creates_readers_and_their_classes(in_library):
    report = import_readers(csv_bytes(GOOD), "term.csv")
    assert (report.rows, report.created, report.updated, report.errors, report.dry_run) == (3, 3, 0, [], False)
    zhang = Reader.objects.get(student_number="20260001")
    assert zhang.card_number == "20260001" and zhang.kind == "student"
    assert (zhang.school_class.grade, zhang.school_class.number) == (3, "2")
    assert Reader.objects.get(student_number="20260002").school_class_id == zhang.school_class_id
    teacher = Reader.objects.get(name="王老师")
    assert teacher.kind == "teacher" and teacher.school_class is None and teacher.email == "wang@example.org"
    assert SchoolClass.objects.count() == 1
    assert DeskEvent.objects.filter(action="reader", code="import").count() == 1


def test_an_existing_student_is_updated_not_duplicated(in_library, make_class, make_reader):
    old_class = make_class(grade=2, number="2")
    make_reader("张叁", card="20260001", student_number="20260001", school_class=old_class, status="left")
    report = import_readers(csv_bytes(GOOD), "term.csv")
    assert (report.created, report.updated) == (2, 1)
    zhang = Reader.objects.get(student_number="20260001")
    assert zhang.name == "张三" and zhang.school_class.grade == 3 and zhang.status == "active"
    assert Reader.objects.filter(student_number="20260001").count() == 1


def test_a_dry_run_writes_nothing_and_reports_the_same(in_library):
    report = import_readers(csv_bytes(GOOD), "term.csv", dry_run=True)
    assert (report.rows, report.created, report.updated, report.dry_run) == (3, 3, 0, True)
    assert not Reader.objects.exists() and not SchoolClass.objects.exists() and not DeskEvent.objects.exists()


def test_bad_rows_are_reported_by_row_number_and_the_others_imported(in_library, make_reader):
    make_reader("别人", card="C999")
    text = (
        "姓名,学号,年级,班级,借书证号,邮箱\n"
        "好学生,1001,3,1,,\n"          # row 2: fine
        ",1002,3,1,,\n"                # row 3: no name
        "坏年级,1003,十五年级,1,,\n"      # row 4: no such grade
        "\n"                           # row 5: blank, skipped
        "重复,1001,3,1,,\n"             # row 6: student number again
        "占用,1004,3,1,C999,\n"         # row 7: another reader's card
        "坏邮箱,1005,3,1,,not-an-email\n"  # row 8
        "没班级,1006,,,,\n"              # row 9: a student without class
        "好学生二,1007,初二,3班,,\n"       # row 10: fine
    )
    report = import_readers(csv_bytes(text), "term.csv")
    assert report.rows == 8 and report.created == 2 and report.updated == 0
    assert [row for row, _message in report.errors] == [3, 4, 6, 7, 8, 9]
    assert all(message for _row, message in report.errors)
    assert set(Reader.objects.values_list("student_number", flat=True)) == {"", "1001", "1007"}
    assert Reader.objects.get(student_number="1007").school_class.grade == 8


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_chinese_headers_in_utf8_with_bom_and_in_gb18030(in_library, encoding):
    text = "借书证号,姓名,学号,年级,班级,类型\nJ01,欧阳修,S01,高一,(4)班,学生\nJ02,苏轼,,,,教师\n"
    report = import_readers(csv_bytes(text, encoding), "名单.csv")
    assert report.errors == [] and report.created == 2
    ouyang = Reader.objects.get(card_number="J01")
    assert ouyang.name == "欧阳修" and ouyang.student_number == "S01"
    assert (ouyang.school_class.grade, ouyang.school_class.number) == (10, "4")
    assert Reader.objects.get(card_number="J02").kind == "teacher"


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_file_with_numbers_in_cells(in_library):
    data = xlsx([["姓名", "学号", "年级", "班级"], ["曹雪芹", 20250101, 5, 3], ["坏", 20250102, "x", 1]])
    report = import_readers(data, "五年级.xlsx")
    assert report.created == 1 and [row for row, _m in report.errors] == [3]
    reader = Reader.objects.get()
    assert reader.student_number == "20250101" and reader.card_number == "20250101"
    assert (reader.school_class.grade, reader.school_class.number) == (5, "3")


def test_a_file_without_the_needed_columns_is_refused(in_library):
    from circulation.exceptions import UserError

    with pytest.raises(UserError) as excinfo:
        import_readers(csv_bytes("foo,bar\n1,2\n"), "x.csv")
    assert excinfo.value.code == "bad_header"


def test_three_thousand_students_import_quickly(in_library):
    lines = ["name,student_number,grade,class"] + [
        f"学生{n},S{n:05d},{1 + n % 6},{1 + n % 8}" for n in range(3000)]
    data = "\n".join(lines).encode()
    started = time.perf_counter()
    report = import_readers(data, "big.csv")
    elapsed = time.perf_counter() - started
    assert report.created == 3000 and not report.errors
    assert Reader.objects.count() == 3000 and SchoolClass.objects.count() == 24
    assert elapsed < 5, elapsed
    again = import_readers(data, "big.csv")
    assert (again.created, again.updated, again.errors) == (0, 3000, [])
