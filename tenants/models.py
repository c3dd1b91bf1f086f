from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from core import outbox

LIBRARY_CODE_RE = r"^[a-z][a-z0-9_]{1,39}$"
SCHEMA_PREFIX = "lib_"

library_code_validator = RegexValidator(
    LIBRARY_CODE_RE,
    _("A library code is 2 to 40 lowercase letters, digits or underscores, starting with a letter."),
)


def default_agency_id(code: str) -> str:
    """``<ILL_AGENCY_PREFIX>-<CODE>``: unique within the consortium, told apart from other consortia."""
    return f"{settings.ILL_AGENCY_PREFIX}-{code.upper()}"


class Region(models.Model):
    """A province, city or district of the consortium; libraries belong to one."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District or county")

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[library_code_validator])
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self) -> set[int]:
        """Ids of this region and every region below it."""
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            frontier = list(Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.update(frontier)
        return ids

    @classmethod
    def root(cls) -> Region:
        """The consortium's root region (the top one), created on first use."""
        top = cls.objects.filter(parent__isnull=True).order_by("pk").first()
        if top is None:
            top = cls.objects.create(code="consortium", name="联盟", name_en="Consortium", level=cls.Level.PROVINCE)
        return top


class Library(TenantMixin):
    """A member library; its local catalogue, patrons and loans live in its own schema."""

    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        MIDDLE = "middle", _("Middle school")
        NINE_YEAR = "nine_year", _("Nine-year school")
        HIGH = "high", _("High school")
        VOCATIONAL = "vocational", _("Vocational school")
        COLLEGE = "college", _("College or university")
        PUBLIC = "public", _("Public library")

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[library_code_validator])
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="libraries", verbose_name=_("region"))
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    student_count = models.PositiveIntegerField(_("students"), default=0)
    teacher_count = models.PositiveIntegerField(_("teachers"), default=0)
    weekly_opening_hours = models.PositiveSmallIntegerField(_("weekly opening hours"), default=0)
    ill_lending = models.BooleanField(_("lends through ILL"), default=True)
    ill_borrowing = models.BooleanField(_("borrows through ILL"), default=True)
    # The library's ISO 18626 agency id (value; the scheme is settings.ILL_AGENCY_ID_TYPE). Peers address
    # requests to it; by default the consortium's prefix and the library code, a real ISIL may replace it.
    agency_id = models.CharField(_("ISO 18626 agency ID"), max_length=60, unique=True, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        ordering = ["code"]
        verbose_name = _("library")
        verbose_name_plural = _("libraries")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.agency_id and self.code:
            self.agency_id = default_agency_id(self.code)
        super().save(*args, **kwargs)

    @staticmethod
    def schema_for_code(code: str) -> str:
        return SCHEMA_PREFIX + code

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Copy the migrated template schema; replay migrations only when asked or when it is missing.

        The copy includes the template's ``django_migrations`` rows, so the usual "fake"
        migrate run after a clone (which costs as much as the copy) is not needed.
        """
        from django.core.management import call_command
        from django.db import connection
        from django_tenants.utils import schema_exists

        from tenants.services.schema_clone import clone_template

        if check_if_exists and schema_exists(self.schema_name):
            return False
        if not sync_schema:
            return super().create_schema(check_if_exists=check_if_exists, sync_schema=False, verbosity=verbosity)
        base = self.get_base_schema()
        if getattr(self, "_clone", True) and base and schema_exists(base):
            clone_template(base, self.schema_name)
        else:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{self.schema_name}"')
            call_command(
                "migrate_schemas", tenant=True, schema_name=self.schema_name, interactive=False, verbosity=0
            )
        connection.set_schema_to_public()
        return True


class Domain(DomainMixin):
    """An optional own host name for a member library (the default routing is by path)."""


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Consortium coordinator")
    LIBRARY_ADMIN = "library_admin", _("Library administrator")
    CATALOGUER = "cataloguer", _("Cataloguer")
    CIRCULATION = "circulation", _("Circulation staff")
    DESK_HELPER = "desk_helper", _("Student helper at the desk")
    ILL_STAFF = "ill_staff", _("ILL staff")
    STUDENT = "student", _("Reader (student)")
    TEACHER = "teacher", _("Reader (teacher)")


STAFF_ROLES = frozenset({Role.LIBRARY_ADMIN, Role.CATALOGUER, Role.CIRCULATION, Role.ILL_STAFF})
# Student helpers lend and return at the desk and scan stocktakes, nothing else; every action is logged.
DESK_ROLES = frozenset({Role.CIRCULATION, Role.DESK_HELPER})
READER_ROLES = frozenset({Role.STUDENT, Role.TEACHER})


class Membership(models.Model):
    """A user's role: in one library, or (coordinators) over a region and everything below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    library = models.ForeignKey(
        Library, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_scope",
                condition=(
                    models.Q(role="coordinator", region__isnull=False, library__isnull=True)
                    | (~models.Q(role="coordinator") & models.Q(library__isnull=False, region__isnull=True))
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "library", "region"], name="membership_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.library or self.region}"


class CatalogueChange(outbox.OutboxRow):
    """Transactional outbox of local catalogue changes (public schema).

    A row is written in the same transaction as the change in the member's schema, so the union
    catalogue can never miss one; ``processed_at`` is set by the union worker that applied it.
    """

    class Op(models.TextChoices):
        UPSERT = "upsert", _("created or changed")
        DELETE = "delete", _("withdrawn or deleted")
        HOLDINGS = "holdings", _("holdings or item availability changed")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    instance_id = models.BigIntegerField()
    op = models.CharField(max_length=10, choices=Op.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = outbox.outbox_indexes("catchange")

    def __str__(self) -> str:
        return f"{self.library_id}:{self.instance_id} {self.op}"
