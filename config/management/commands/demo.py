from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from config.demo import DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = _("Build the demo consortium (safe to repeat) and serve it on http://127.0.0.1:8000.")

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help=_("build the demo and exit"))
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-records", action="store_true", help=_("do not load sample records"))

    def handle(self, *args, **opts):
        logins = build_demo(load_records=not opts["no_records"], progress=self.stdout.write)
        self.stdout.write(_("Demo logins (password for all: %(pw)s):") % {"pw": DEMO_PASSWORD})
        for login in logins:
            self.stdout.write(f"  {login.username:<28} {login.role:<14} {login.scope}")
        if opts["no_serve"]:
            return
        self.stdout.write(_("Serving on http://%(addr)s/ — press Ctrl+C to stop.") % {"addr": opts["addr"]})
        call_command("runserver", opts["addr"], use_reloader=False)
