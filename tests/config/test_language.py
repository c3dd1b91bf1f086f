"""Chinese first, English second; the compiled catalogues match their sources."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
PO_FILES = sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po"))


def test_there_is_a_simplified_chinese_catalogue():
    assert any("zh_Hans" in str(p) for p in PO_FILES)


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_mo_agrees_with_po(po_path):
    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: compile the catalogue"
    mo = polib.mofile(str(mo_path))
    expected = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
                for e in po.translated_entries() if not e.obsolete}
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo if e.msgid}
    assert compiled == expected, "the .mo file is out of date: compile the .po file again"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated(po_path):
    po = polib.pofile(str(po_path))
    missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert not missing, f"{len(missing)} untranslated or fuzzy messages, e.g. {missing[:5]}"


@pytest.mark.django_db
def test_pages_speak_chinese_by_default(client):
    body = client.get("/").content.decode()
    assert "联合目录" in body
    assert 'lang="zh-hans"' in body


@pytest.mark.django_db
def test_english_can_be_chosen(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert "Union catalogue" in body and 'lang="en"' in body


@pytest.mark.django_db
def test_english_browsers_get_english(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Member libraries" in body
