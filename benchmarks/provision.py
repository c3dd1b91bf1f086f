"""Provisioning benchmark: create libraries by cloning the template schema and by replaying
migrations, in one run, and print seconds per library for each and their ratio.

    DATABASE_URL=postgres://... python benchmarks/provision.py [--clones 50] [--migrated 5]

The libraries are created under a throw-away region and removed (with their schemas) at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from tenants.models import Library, Region  # noqa: E402
from tenants.services.provisioning import create_library, migrate_template_schema  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clones", type=int, default=50)
    parser.add_argument("--migrated", type=int, default=5)
    args = parser.parse_args()

    migrate_template_schema()
    region, _ = Region.objects.get_or_create(code="bench_region", defaults={"name": "基准测试", "level": "district"})
    Library.objects.filter(code__startswith="bench_").delete()
    try:
        started = time.perf_counter()
        for n in range(args.clones):
            create_library(f"bench_c{n}", name=f"克隆馆{n}", kind="primary", region=region)
        cloned = (time.perf_counter() - started) / args.clones
        started = time.perf_counter()
        for n in range(args.migrated):
            create_library(f"bench_m{n}", name=f"迁移馆{n}", kind="primary", region=region, clone=False)
        migrated = (time.perf_counter() - started) / args.migrated
    finally:
        for library in Library.objects.filter(code__startswith="bench_"):
            library.delete(force_drop=True)
        region.delete()
    print(f"cloned:   {args.clones} libraries, {cloned:.3f} s per library")
    print(f"migrated: {args.migrated} libraries, {migrated:.3f} s per library")
    print(f"ratio:    cloning is {migrated / cloned:.1f}x faster than replaying migrations")


if __name__ == "__main__":
    main()
