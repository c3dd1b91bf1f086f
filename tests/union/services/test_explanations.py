"""The API's "why" and the staff record page explain a union record with the same members, keys,
guards and scores."""

from __future__ import annotations

import re

import pytest

from union.models import UnionHolding

RED = {"title": "红楼梦", "authors": ["曹雪芹"], "publisher": "人民文学出版社", "year": 2008}


@pytest.fixture
def record(library_a, library_b, make_instance, synced, college):
    from union.services.clusters import merge

    a = make_instance(library_a, isbns=["9787503717444"], items=1, **RED)
    make_instance(library_b, isbns=["7-5037-1744-0"], **RED)
    reprint = make_instance(college, isbns=["9787503717444"], **dict(RED, year=2009))  # the year keeps it apart
    synced()
    record = UnionHolding.objects.get(library=library_a, instance_id=a.pk).union_record
    # ... until a coordinator joins it: its explanation then shows the guard it was joined against.
    merge(record, UnionHolding.objects.get(library=college, instance_id=reprint.pk).union_record)
    return record


def _rows(page: str) -> dict[tuple[str, int], dict]:
    rows = {}
    for attrs, body in re.findall(r'<tr class="member" ([^>]*)>(.*?)</tr>', page, re.S):
        library = re.search(r'data-library="([^"]+)"', attrs).group(1)
        instance = int(re.search(r'data-instance="(\d+)"', attrs).group(1))

        def span(name, body=body):
            found = re.search(rf'<span class="{name}">([^<]*)</span>', body)
            return found.group(1) if found else None

        rows[(library, instance)] = {
            "master": "data-master" in attrs, "joined": span("joined"), "keys": span("keys"),
            "guards": span("guards"), "score": span("score"),
        }
    return rows


def test_the_api_and_the_record_page_give_the_same_explanation(api_as, client, student_a, record):
    why = api_as(student_a).get(f"/api/v1/union/records/{record.urid}/why/").json()
    client.force_login(student_a)
    page = client.get(f"/union/r/{record.urid}/").content.decode()
    rows = _rows(page)
    assert set(rows) == {(m["library"], m["instance_id"]) for m in why["members"]}
    assert len(rows) == 3
    assert sum(row["master"] for row in rows.values()) == 1
    for member in why["members"]:
        row = rows[(member["library"], member["instance_id"])]
        assert row["master"] == member["master"]
        assert row["joined"] == ", ".join(member["joined"].get("keys", []))
        against = member.get("against_master")
        if against is None:
            assert row["keys"] is None and row["score"] is None
            continue
        assert row["keys"] == (", ".join(against["keys"]) or "—")
        assert row["guards"] == (", ".join(against["guards"]) if against["guards"] else None)
        assert row["score"] == str(against["score"])
    assert any(m.get("against_master", {}).get("guards") for m in why["members"]), "a guard is explained"
