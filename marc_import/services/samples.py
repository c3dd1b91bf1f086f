"""Small real sample files for the demo: CNMARC (GB18030) and MARC 21 (see sample_data/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

from marc_import.exceptions import BadOption
from marc_import.models import ImportJob
from marc_import.services.importer import import_file
from tenants.models import Library

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLES = {"marc21": "marc21_samples.mrc", "cnmarc": "cnmarc_dp2_gb18030.iso"}


def sample_path(which: str) -> Path:
    try:
        return SAMPLE_DIR / SAMPLES[which]
    except KeyError:
        raise BadOption(f"unknown sample set {which!r}; use one of {', '.join(SAMPLES)}") from None


def load_samples(library: Library, which: str = "marc21") -> ImportJob:
    """Import the sample set ``which`` ("marc21" or "cnmarc") into ``library``; repeatable."""
    return import_file(library, sample_path(which), source_name=f"samples: {SAMPLES[which]}")
