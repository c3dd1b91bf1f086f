from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.exceptions import UserError
from tenants.models import Library
from tenants.services.provisioning import create_library


class Command(BaseCommand):
    help = _("Create a member library with its own schema.")

    def add_arguments(self, parser):
        parser.add_argument("code", help=_("short code: lowercase letters, digits, underscore"))
        parser.add_argument("--name", required=True, help=_("name in Chinese"))
        parser.add_argument("--name-en", default="", help=_("name in English"))
        parser.add_argument("--kind", required=True, choices=Library.Kind.values)
        parser.add_argument("--region", default=None, help=_("region code; default: the consortium's root region"))
        parser.add_argument("--students", type=int, default=0)
        parser.add_argument("--teachers", type=int, default=0)

    def handle(self, *args, **opts):
        try:
            library = create_library(
                opts["code"],
                name=opts["name"],
                name_en=opts["name_en"],
                kind=opts["kind"],
                region=opts["region"],
                student_count=opts["students"],
                teacher_count=opts["teachers"],
            )
        except UserError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            _("Created library %(code)s (%(name)s) in schema %(schema)s, region %(region)s.")
            % {"code": library.code, "name": library.name, "schema": library.schema_name, "region": library.region.code}
        )
