import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tenants.models import Library


class Command(BaseCommand):
    help = _("List member libraries.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help=_("print JSON lines"))

    def handle(self, *args, **opts):
        for lib in Library.objects.select_related("region").order_by("code"):
            row = {
                "code": lib.code,
                "name": lib.name,
                "kind": lib.kind,
                "region": lib.region.code,
                "schema": lib.schema_name,
                "students": lib.student_count,
                "agency_id": lib.agency_id,
            }
            if opts["json"]:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            else:
                self.stdout.write("{code:<20} {kind:<11} {region:<16} {name}".format(**row))
