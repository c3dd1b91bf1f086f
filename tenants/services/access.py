"""Who may do what where: roles of a user in a library, derived from memberships.

Pure lookups with no side effects; every API permission and web view asks these.
"""

from __future__ import annotations

from django.db.models import Q

from tenants.models import DESK_ROLES, READER_ROLES, STAFF_ROLES, Library, Membership, Region, Role


def _region_chain(region_id: int) -> set[int]:
    """The region and all regions above it (regions are few, so one query reads them all)."""
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    ids: set[int] = set()
    current = region_id
    while current is not None and current not in ids:
        ids.add(current)
        current = parents.get(current)
    return ids


def roles_in(user, library: Library | None) -> set[str]:
    """The roles ``user`` holds in ``library``; coordinators hold theirs over the region tree."""
    if user is None or not user.is_authenticated or library is None:
        return set()
    if user.is_superuser:
        return {Role.COORDINATOR, *STAFF_ROLES}
    roles: set[str] = set()
    chain = _region_chain(library.region_id)
    for role, library_id, region_id in Membership.objects.filter(user=user).values_list(
        "role", "library_id", "region_id"
    ):
        if library_id == library.pk or (role == Role.COORDINATOR and region_id in chain):
            roles.add(role)
    return roles


def is_coordinator(user, region: Region | None = None) -> bool:
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    regions = Membership.objects.filter(user=user, role=Role.COORDINATOR).values_list("region_id", flat=True)
    if region is None:
        return bool(regions)
    chain = _region_chain(region.pk)
    return any(r in chain for r in regions)


def coordinated_region_ids(user) -> set[int]:
    """Every region a coordinator covers (their regions and all below); empty for others."""
    if user.is_superuser:
        return set(Region.objects.values_list("pk", flat=True))
    ids: set[int] = set()
    for region in Region.objects.filter(memberships__user=user, memberships__role=Role.COORDINATOR):
        ids |= region.descendant_ids()
    return ids


def visible_libraries(user):
    """Libraries whose own data a user may see: their own, or all under a coordinated region."""
    if user.is_superuser:
        return Library.objects.all()
    region_ids = coordinated_region_ids(user)
    own = Membership.objects.filter(user=user, library__isnull=False).values_list("library_id", flat=True)
    return Library.objects.filter(Q(region_id__in=region_ids) | Q(pk__in=list(own)))


def libraries_with_role(user, *wanted: str):
    """Every library in which ``has_role(user, library, *wanted)`` holds, in one query.

    For lists of libraries (where a user may catalogue, whose reports they may read): asking
    ``has_role`` library by library costs queries per library.
    """
    if user is None or not user.is_authenticated:
        return Library.objects.none()
    wanted_set = set(wanted)
    staff_wanted = bool(wanted_set & STAFF_ROLES)
    if user.is_superuser:
        return Library.objects.all() if staff_wanted or Role.COORDINATOR in wanted_set else Library.objects.none()
    direct_roles = wanted_set | ({Role.LIBRARY_ADMIN} if staff_wanted else set())
    direct = Membership.objects.filter(user=user, library__isnull=False, role__in=direct_roles)
    condition = Q(pk__in=list(direct.values_list("library_id", flat=True)))
    if staff_wanted or Role.COORDINATOR in wanted_set:
        condition |= Q(region_id__in=coordinated_region_ids(user))
    return Library.objects.filter(condition)


def is_staff_of(user, library: Library | None) -> bool:
    return bool(roles_in(user, library) & (STAFF_ROLES | {Role.COORDINATOR}))


def is_member_of(user, library: Library | None) -> bool:
    return bool(roles_in(user, library) & (STAFF_ROLES | DESK_ROLES | READER_ROLES | {Role.COORDINATOR}))


def has_role(user, library: Library | None, *wanted: str) -> bool:
    """True when the user holds one of ``wanted`` (library admins and coordinators hold all staff roles)."""
    roles = roles_in(user, library)
    if roles & {Role.LIBRARY_ADMIN, Role.COORDINATOR} and set(wanted) & STAFF_ROLES:
        return True
    return bool(roles & set(wanted))


def own_roles_in(user, library: Library | None) -> set[str]:
    """The roles ``user`` holds by a membership of ``library`` itself.

    Readers' data (names, classes, loans) is shown to the library's own staff only: not to
    coordinators, whose roles come from a region, and not to superusers.
    """
    if user is None or not user.is_authenticated or library is None:
        return set()
    return set(Membership.objects.filter(user=user, library=library).values_list("role", flat=True))


def has_own_role(user, library: Library | None, *wanted: str) -> bool:
    """Like ``has_role`` for the library's own people: administrators hold every staff and desk
    role, circulation staff the desk helper's."""
    roles = own_roles_in(user, library)
    if Role.LIBRARY_ADMIN in roles and set(wanted) & (STAFF_ROLES | DESK_ROLES):
        return True
    if Role.CIRCULATION in roles and Role.DESK_HELPER in wanted:
        return True
    return bool(roles & set(wanted))
