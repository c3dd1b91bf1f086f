"""The import job table (no database)."""

from __future__ import annotations

from marc_import.workflow import IMPORT_JOB


def test_only_a_queued_job_can_be_claimed():
    assert IMPORT_JOB.allowed_actions("queued") == ["claim", "fail"]
    assert IMPORT_JOB.check("claim", "running")
    assert IMPORT_JOB.check("claim", "done")


def test_a_running_job_ends_once():
    assert IMPORT_JOB.allowed_actions("running") == ["finish", "fail"]
    assert IMPORT_JOB.allowed_actions("done") == IMPORT_JOB.allowed_actions("failed") == []
