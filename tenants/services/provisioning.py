"""Creating member libraries, each with its own schema, by cloning a migrated template schema.

Replaying every migration for each new library takes seconds; copying the template schema
(tables, indexes, sequences and the migration history) takes a fraction of that. The template
is migrated together with the public schema by ``manage.py upgrade``.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from tenants.exceptions import InvalidLibraryCode, LibraryExists, UnknownRegion
from tenants.models import LIBRARY_CODE_RE, Library, Region


def template_schema() -> str:
    return settings.TENANT_BASE_SCHEMA


def migrate_template_schema(verbosity: int = 0) -> None:
    """Create the template schema if missing and bring it to the latest migrations."""
    name = template_schema()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=verbosity)
    connection.set_schema_to_public()


def validate_code(code: str) -> str:
    code = (code or "").strip()
    if not re.fullmatch(LIBRARY_CODE_RE, code):
        raise InvalidLibraryCode(
            _(
                "%(code)r is not a valid library code: use 2 to 40 lowercase letters, digits or "
                "underscores, starting with a letter."
            )
            % {"code": code}
        )
    return code


def resolve_region(region: Region | str | None) -> Region:
    if isinstance(region, Region):
        return region
    if region in (None, ""):
        return Region.root()
    found = Region.objects.filter(code=region).first()
    if found is None:
        raise UnknownRegion(_("No region has the code %(code)s.") % {"code": region})
    return found


def create_library(code: str, *, name: str, kind: str, region: Region | str | None = None, clone: bool = True, **fields) -> Library:
    """Create a member library and its schema; raises LibraryExists or InvalidLibraryCode.

    ``clone=False`` replays every migration instead of copying the template (for benchmarks).
    """
    code = validate_code(code)
    if kind not in Library.Kind.values:
        raise InvalidLibraryCode(
            _("Unknown library kind %(kind)r; choose one of: %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(Library.Kind.values)}
        )
    if not name:
        raise InvalidLibraryCode(_("A library needs a name."))
    region_obj = resolve_region(region)
    schema = Library.schema_for_code(code)
    if Library.objects.filter(code=code).exists() or schema_exists(schema):
        raise LibraryExists(code)
    if clone and not schema_exists(template_schema()):
        migrate_template_schema()
    library = Library(code=code, schema_name=schema, name=name, kind=kind, region=region_obj, **fields)
    library.full_clean(exclude=["schema_name"])
    library._clone = clone
    with transaction.atomic():
        library.save()
    return library
