"""The data migration that moves readers' identity from public accounts into their library's schema."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from circulation.models import Reader
from tenants.models import Role

migration = import_module("circulation.migrations.0002_readers_from_public_accounts")


def run_migration():
    with connection.schema_editor() as editor:
        migration.copy_public_readers(apps, editor)


def test_it_moves_readers_and_blanks_their_public_names(library, make_user, library_b):
    student = make_user("s20260001", Role.STUDENT, library=library)
    student.first_name, student.last_name, student.email = "小明", "王", "xm@example.org"
    student.save()
    teacher = make_user("t_li", Role.TEACHER, library=library)
    teacher.first_name, teacher.last_name = "Li", "Hua"
    teacher.save()
    staff_reader = make_user("desk_and_reader", Role.CIRCULATION, library=library)
    staff_reader.first_name = "馆员"
    staff_reader.save()
    from tenants.models import Membership

    Membership.objects.create(user=staff_reader, library=library, role=Role.STUDENT)
    other = make_user("beta_kid", Role.STUDENT, library=library_b)
    other.first_name = "乙"
    other.save()

    with tenant_context(library):
        run_migration()
        run_migration()  # again: nothing changes
        readers = {r.card_number: r for r in Reader.objects.all()}
    connection.set_schema_to_public()
    assert set(readers) == {"s20260001", "t_li", "desk_and_reader"}
    assert readers["s20260001"].name == "王小明" and readers["s20260001"].kind == "student"
    assert readers["s20260001"].user_id == student.pk and readers["s20260001"].email == ""
    assert readers["t_li"].name == "Li Hua" and readers["t_li"].kind == "teacher"
    student.refresh_from_db()
    teacher.refresh_from_db()
    staff_reader.refresh_from_db()
    other.refresh_from_db()
    assert (student.first_name, student.last_name, student.email) == ("", "", "")
    assert (teacher.first_name, teacher.last_name) == ("", "")
    assert staff_reader.first_name == "馆员"  # staff sign their work with their name
    assert other.first_name == "乙"  # beta's readers move with beta's schema, not alpha's


def test_it_does_nothing_in_the_template_schema(library, make_user):
    from django.conf import settings

    user = make_user("kid", Role.STUDENT, library=library)
    user.first_name = "小"
    user.save()
    with schema_context(settings.TENANT_BASE_SCHEMA):
        run_migration()
        assert not Reader.objects.exists()
    connection.set_schema_to_public()
    user.refresh_from_db()
    assert user.first_name == "小"
