"""Move what identifies existing readers from the public schema into their library's schema.

Until now students and teachers were public user accounts with a reader membership. In each
member schema this makes a Reader for every such account of that library (card number = user
name, linked by ``user_id``, so the account keeps working) and then blanks the account's name
and e-mail in the public schema, which keeps no identity of minors. Accounts that also hold a
staff role keep their name: staff sign their work with it.

Runs in every member schema; in the template schema no library owns the schema, so nothing
happens there. Running it again changes nothing.
"""

from django.db import migrations

READER_ROLES = ["student", "teacher"]


def _full_name(first: str, last: str) -> str:
    first, last = (first or "").strip(), (last or "").strip()
    if any("\u3400" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"  # 王小明: the family name comes first
    return " ".join(part for part in (first, last) if part)


def copy_public_readers(apps, schema_editor):
    Reader = apps.get_model("circulation", "Reader")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM public.tenants_library WHERE schema_name = %s", [schema])
        row = cursor.fetchone()
        if row is None:
            return  # the template (or the public) schema: no library's readers live here
        cursor.execute(
            "SELECT DISTINCT ON (u.id) u.id, u.username, u.first_name, u.last_name, u.email, m.role "
            "FROM public.tenants_membership m JOIN public.auth_user u ON u.id = m.user_id "
            "WHERE m.library_id = %s AND m.role = ANY(%s) ORDER BY u.id, m.role DESC",
            [row[0], READER_ROLES],
        )
        accounts = cursor.fetchall()
    if not accounts:
        return
    linked = set(Reader.objects.filter(user_id__isnull=False).values_list("user_id", flat=True))
    by_card = {r.card_number: r for r in Reader.objects.filter(card_number__in=[a[1] for a in accounts])}
    moved = []
    for user_id, username, first, last, email, role in accounts:
        if user_id in linked:
            continue
        kind = "teacher" if role == "teacher" else "student"
        existing = by_card.get(username)
        if existing is not None:
            if existing.user_id is None:
                existing.user_id = user_id
                existing.save(update_fields=["user_id"])
                moved.append(user_id)
            continue
        Reader.objects.create(card_number=username[:40], name=(_full_name(first, last) or username)[:100],
                              kind=kind, email=email if kind == "teacher" else "", user_id=user_id)
        moved.append(user_id)
    if moved:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE public.auth_user u SET first_name = '', last_name = '', email = '' "
                "WHERE u.id = ANY(%s) AND NOT EXISTS (SELECT 1 FROM public.tenants_membership m "
                "WHERE m.user_id = u.id AND NOT m.role = ANY(%s))",
                [moved, READER_ROLES],
            )


class Migration(migrations.Migration):

    dependencies = [
        ("circulation", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_public_readers, migrations.RunPython.noop, elidable=True)]
