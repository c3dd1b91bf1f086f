"""Import jobs as a table: queued until one worker claims it, then done or failed.

Celery redelivers a task whose worker died before acknowledging it (``acks_late``); the claim
is a conditional update, so a second delivery finds nothing to claim and imports nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.workflow import Action, Workflow
from marc_import.models import ImportJob

J = ImportJob.Status

IMPORT_JOB = Workflow(
    states=dict(J.choices),
    actions=(
        Action("claim", {J.QUEUED}, J.RUNNING, label=_("start")),
        Action("finish", {J.RUNNING}, J.DONE, label=_("finish")),
        Action("fail", {J.QUEUED, J.RUNNING}, J.FAILED, label=_("fail")),
    ),
    refused=_("An import job that is “%(state)s” cannot be changed that way (%(action)s)."),
    lost=_("Another worker changed this import job first (it is no longer “%(state)s”)."),
)
