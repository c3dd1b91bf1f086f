"""The demo consortium: one province, two districts, five member libraries of different kinds,
a coordinator, a librarian and an ILL clerk per library, real sample records in every library, a
term of loans (``demo_circulation``) and interlibrary loans between the libraries (``demo_ill``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from config.demo_circulation import DEMO_PIN, build_circulation
from config.demo_ill import build_ill
from tenants.models import Library, Membership, Region, Role
from tenants.services.provisioning import create_library

DEMO_PASSWORD = "demo-pass-2026"
# Copies on each demo library's shelves at the least, so a term of loans has books to lend.
MIN_ITEMS = 40

REGIONS = [
    ("demo_province", "示范省", "Demo Province", Region.Level.PROVINCE, None),
    ("demo_east", "东城区", "East District", Region.Level.DISTRICT, "demo_province"),
    ("demo_west", "西山县", "Xishan County", Region.Level.DISTRICT, "demo_province"),
]

LIBRARIES = [
    # code, name, English name, kind, region, students, teachers, sample records
    ("dongcheng_no1", "东城区第一小学图书室", "Dongcheng No. 1 Primary School Library", "primary", "demo_east", 960, 58, "cnmarc"),
    ("dongcheng_mid", "东城区实验中学图书馆", "Dongcheng Experimental Middle School Library", "middle", "demo_east", 1500, 120, "cnmarc"),
    ("xishan_voc", "西山县职业中专图书馆", "Xishan Vocational School Library", "vocational", "demo_west", 2100, 150, "marc21"),
    ("xishan_nine", "西山县九年一贯制学校图书室", "Xishan Nine-Year School Library", "nine_year", "demo_west", 700, 45, "cnmarc"),
    ("province_college", "示范师范学院图书馆", "Demo Normal College Library", "college", "demo_province", 12000, 800, "marc21"),
]


@dataclass
class Login:
    username: str
    role: str
    scope: str


def build_demo(load_records: bool = True, progress=print) -> list[Login]:
    """Create (or complete) the demo consortium; safe to run again."""
    regions: dict[str, Region] = {}
    for code, name, name_en, level, parent in REGIONS:
        regions[code], _created = Region.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": level, "parent": regions.get(parent)}
        )
    User = get_user_model()
    logins: list[Login] = []

    def user(username: str, role: str, **scope) -> None:
        account, created = User.objects.get_or_create(username=username)
        if created:
            account.set_password(DEMO_PASSWORD)
            account.save()
        Membership.objects.get_or_create(user=account, role=role, **scope)
        where = scope.get("library") or scope.get("region")
        logins.append(Login(username, role, str(where)))

    user("coordinator", Role.COORDINATOR, region=regions["demo_province"])
    user("coordinator_east", Role.COORDINATOR, region=regions["demo_east"])
    user("coordinator_west", Role.COORDINATOR, region=regions["demo_west"])
    fresh: list[tuple[Library, str]] = []
    for code, name, name_en, kind, region, students, teachers, sample in LIBRARIES:
        library = Library.objects.filter(code=code).first()
        if library is None:
            with transaction.atomic():
                library = create_library(
                    code, name=name, name_en=name_en, kind=kind, region=regions[region],
                    student_count=students, teacher_count=teachers, weekly_opening_hours=40,
                )
            fresh.append((library, sample))
            progress(f"created {code}")
        user(f"{code}_admin", Role.LIBRARY_ADMIN, library=library)
        user(f"{code}_ill", Role.ILL_STAFF, library=library)
    if load_records:
        load_sample_records(fresh, progress)
        for library in Library.objects.filter(code__in=[code for code, *_ in LIBRARIES]).order_by("code"):
            admin = Membership.objects.filter(library=library, role=Role.LIBRARY_ADMIN).select_related("user").first()
            for reader in build_circulation(library, admin.user, progress):
                logins.append(Login(_("card %(card)s, PIN %(pin)s") % {"card": reader.card, "pin": DEMO_PIN},
                                    Role.STUDENT, str(library)))
        build_ill(progress)
    return logins


def load_sample_records(libraries: list[tuple[Library, str]], progress=print) -> None:
    from marc_import.services.samples import load_samples

    for library, which in libraries:
        job = load_samples(library, which=which)
        progress(f"{library.code}: {getattr(job, 'created', '?')} records from {which} samples")
        added = add_demo_items(library)
        progress(f"{library.code}: {added} items added to records that came without any")


def add_demo_items(library: Library) -> int:
    """Give every sample record without items one to three copies, some reference-only. Goes through
    the cataloguing service and the outbox; the demo's loans (``demo_circulation``) put some on loan."""
    from django_tenants.utils import schema_context

    from tenants.catalogue.models import Instance
    from union.services.cataloguing import add_item

    admin = Membership.objects.filter(library=library, role=Role.LIBRARY_ADMIN).select_related("user").first()
    if admin is None:
        return 0
    with schema_context(library.schema_name):
        bare = list(
            Instance.objects.filter(deleted=False, holdings__isnull=True).order_by("id").values_list("id", "clc")
        )
    added = 0
    for n, (instance_id, clc) in enumerate(bare):
        call_number = f"{clc[0] if clc else 'Z'}/{instance_id:03d}"
        for copy in range(1 + n % 3):
            add_item(library, instance_id, admin.user, barcode=f"{library.code[:3].upper()}{instance_id:05d}{copy}",
                     call_number=call_number, location=str(_("Stacks")), reference_only=(n % 7 == 6 and copy == 0))
            added += 1
    # A school shelf holds several copies of what its classes read: at least MIN_ITEMS copies in all.
    with schema_context(library.schema_name):
        from tenants.catalogue.models import Item

        held = Item.objects.count()
        titles = list(Instance.objects.filter(deleted=False).order_by("id").values_list("id", "clc"))
    copy = 5
    while titles and held < MIN_ITEMS:
        for instance_id, clc in titles:
            if held >= MIN_ITEMS:
                break
            add_item(library, instance_id, admin.user, barcode=f"{library.code[:3].upper()}{instance_id:05d}{copy}",
                     call_number=f"{clc[0] if clc else 'Z'}/{instance_id:03d}", location=str(_("Stacks")))
            held += 1
            added += 1
        copy += 1
    return added
