from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tenants.services.provisioning import migrate_template_schema


class Command(BaseCommand):
    help = _("Migrate the public schema, the library template schema and every library schema.")

    def handle(self, *args, **opts):
        verbosity = opts["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        migrate_template_schema(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        self.stdout.write(_("Database is up to date."))
