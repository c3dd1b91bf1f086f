"""manage.py import_marc: counts as the last JSON line, clear errors for bad input."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.marc_import.conftest import FILES


def run(*args) -> dict:
    out = io.StringIO()
    call_command("import_marc", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.django_db
def test_import_marc_prints_counts_as_last_json_line(library_a):
    counts = run("alpha", str(FILES / "pride-and-prejudice-with-many-errors.mrc"))
    assert set(counts) == {"read", "created", "updated", "unchanged", "deleted", "rejected", "job"}
    assert counts["read"] == sum(counts[k] for k in ("created", "updated", "unchanged", "deleted", "rejected"))
    assert counts["rejected"] > 0 and counts["created"] > 0
    again = run("alpha", str(FILES / "pride-and-prejudice-with-many-errors.mrc"))
    assert again["unchanged"] == counts["read"] - counts["rejected"] and again["job"] != counts["job"]


@pytest.mark.django_db
def test_import_marc_options(library_a):
    counts = run("alpha", str(FILES / "sample_cnmarcxml.DERIVED.gb18030.iso"), "--format", "unimarc",
                 "--encoding", "gbk", "--profile", "cnmarc_905")
    assert counts["created"] == 10


@pytest.mark.django_db
def test_import_marc_errors_are_clear(library_a, tmp_path):
    with pytest.raises(CommandError, match="nosuch"):
        call_command("import_marc", "nosuch", str(FILES / "test.dat"))
    with pytest.raises(CommandError, match="missing.mrc"):
        call_command("import_marc", "alpha", str(tmp_path / "missing.mrc"))
    with pytest.raises(CommandError, match="nope"):
        call_command("import_marc", "alpha", str(FILES / "test.dat"), "--profile", "nope")
