import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_context, schema_exists

from tenants.catalogue.models import Instance
from tenants.exceptions import InvalidLibraryCode, LibraryExists
from tenants.models import Library, Region
from tenants.services.provisioning import create_library


def test_it_creates_a_schema_cloned_from_the_template(library_a):
    assert library_a.schema_name == "lib_alpha"
    assert schema_exists("lib_alpha")
    with schema_context("lib_alpha"):
        assert Instance.objects.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'catalogue'")
            assert cursor.fetchone()[0] >= 1
            cursor.execute("SELECT nextval('hrid_instance_seq')")
            assert cursor.fetchone()[0] == 1


def test_it_can_replay_migrations_instead_of_cloning(db):
    library = create_library("replayed", name="重放", kind="primary", clone=False)
    with schema_context(library.schema_name):
        assert Instance.objects.count() == 0


@pytest.mark.parametrize("code", ["", "A1", "1abc", "bad-code", "x", "with space", "schön", "a" * 41])
def test_it_rejects_bad_codes(db, code):
    with pytest.raises(InvalidLibraryCode):
        create_library(code, name="坏", kind="primary")
    assert not Library.objects.exists()


def test_it_rejects_an_unknown_kind(db):
    with pytest.raises(InvalidLibraryCode):
        create_library("okcode", name="x", kind="kindergarten")


def test_a_duplicate_code_changes_nothing(library_a):
    before = Library.objects.get(code="alpha")
    with pytest.raises(LibraryExists):
        create_library("alpha", name="另一个", kind="college")
    after = Library.objects.get(code="alpha")
    assert (after.name, after.kind) == (before.name, before.kind)
    assert Library.objects.count() == 1


def test_without_a_region_it_joins_the_root_region(db, province):
    library = create_library("rootlib", name="根", kind="high")
    assert library.region == province


def test_command_creates_and_refuses_duplicates(db, capsys):
    call_command("create_library", "gamma", "--name", "伽马小学", "--kind", "primary")
    assert Library.objects.filter(code="gamma").exists()
    assert Region.objects.count() == 1
    with translation.override("en"), pytest.raises(CommandError, match="already exists"):
        call_command("create_library", "gamma", "--name", "又一个", "--kind", "primary")
    with pytest.raises(CommandError, match="gamma"):  # the message names the code in every language
        call_command("create_library", "gamma", "--name", "又一个", "--kind", "primary")
    assert Library.objects.get(code="gamma").name == "伽马小学"


def test_command_rejects_a_bad_code_and_unknown_region(db):
    translation.activate("en")
    with pytest.raises(CommandError, match="not a valid library code"):
        call_command("create_library", "Bad-Code", "--name", "x", "--kind", "primary")
    with pytest.raises(CommandError, match="region"):
        call_command("create_library", "okcode", "--name", "x", "--kind", "primary", "--region", "nowhere")
    assert not Library.objects.exists()
    translation.deactivate()


def test_list_libraries(library_a, library_b, capsys):
    call_command("list_libraries", "--json")
    out = capsys.readouterr().out
    assert '"code": "alpha"' in out and '"code": "beta"' in out
