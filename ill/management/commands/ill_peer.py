"""``manage.py ill_peer``: add or change an ILL peer, list the peers, or print our members' agency ids.

    manage.py ill_peer set NEIGHBOUR-01 --endpoint https://ill.example.org/iso18626 --version 2021 \\
        --inbound-secret S1 --outbound-secret S2 --allow 203.0.113.0/24
    manage.py ill_peer list
    manage.py ill_peer members [--json]
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.exceptions import UserError
from ill.models import Peer


def _yes_no(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() in ("1", "yes", "y", "true", "on")


class Command(BaseCommand):
    help = _("Add or change an ISO 18626 peer, list the peers, or print our members' agency IDs.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        put = sub.add_parser("set", help=_("add a peer or change one (only the options given change)"))
        put.add_argument("agency_id", help=_("the peer's agency ID (the value its messages carry)"))
        put.add_argument("--type", dest="agency_id_type", default="ISIL", help=_("agency ID type (default ISIL)"))
        put.add_argument("--name")
        put.add_argument("--endpoint", help=_("the peer's ISO 18626 URL"))
        put.add_argument("--version", dest="schema_version", choices=Peer.Version.values)
        put.add_argument("--inbound-secret", help=_("the secret the peer sends us (kept hashed)"))
        put.add_argument("--outbound-secret", help=_("the secret we send the peer"))
        put.add_argument("--allow", action="append", default=None,
                         help=_("an address or network the peer posts from (repeat; 'any' clears the list)"))
        put.add_argument("--lends", help=_("yes/no: it lends to our members"))
        put.add_argument("--borrows", help=_("yes/no: it borrows from our members"))
        put.add_argument("--active", help=_("yes/no"))
        sub.add_parser("list", help=_("list the peers (without their secrets)"))
        members = sub.add_parser("members", help=_("our members' agency IDs, to give to a peer"))
        members.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        if opts["what"] == "members":
            return self._members(opts["json"])
        if opts["what"] == "list":
            for peer in Peer.objects.all():
                self.stdout.write(f"{peer.agency_id_type}:{peer.agency_id}\t{peer.version}\t{peer.endpoint}\t"
                                  f"{'active' if peer.active else 'off'}\t{peer.name}")
            return None
        from ill.services.peers import configure_peer

        allow = opts["allow"]
        if allow is not None and any(a.strip().lower() == "any" for a in allow):
            allow = []
        try:
            peer = configure_peer(
                agency_id=opts["agency_id"], agency_id_type=opts["agency_id_type"], name=opts["name"],
                endpoint=opts["endpoint"], version=opts["schema_version"], inbound_secret=opts["inbound_secret"],
                outbound_secret=opts["outbound_secret"], allowed_addresses=allow, lends=_yes_no(opts["lends"]),
                borrows=_yes_no(opts["borrows"]), active=_yes_no(opts["active"]))
        except UserError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(_("Peer %(id)s saved (id %(pk)s).") % {"id": peer.agency_id, "pk": peer.pk})
        return None

    def _members(self, as_json: bool) -> None:
        from tenants.models import Library

        rows = [{"code": lib.code, "name": lib.name, "agency_id_type": settings.ILL_AGENCY_ID_TYPE,
                 "agency_id": lib.agency_id} for lib in Library.objects.filter(is_active=True).order_by("code")]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(f"{row['agency_id_type']}:{row['agency_id']}\t{row['code']}\t{row['name']}")
