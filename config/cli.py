"""The ``unioncat`` console script: the same as ``python manage.py``."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reading a setting loads and validates them all
    except ImproperlyConfigured as exc:
        sys.exit(f"configuration error: {exc}")

    execute_from_command_line(argv if argv is not None else sys.argv)
