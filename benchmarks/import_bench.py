"""MARC import benchmark: bare pymarc parse rate vs. end-to-end import rate, and peak memory.

    DATABASE_URL=postgres://... python benchmarks/import_bench.py [--records 50000] [--big 200000]

For a MARC 21 file (UTF-8) and a CNMARC file (GB18030) of synthetic records (see generate_marc.py):
1. parses the file with bare pymarc (MARCReader, decoding to Unicode) before and after the
   import and takes the faster run as the reference rate;
2. imports it end to end into a fresh library (parse, map, write instances, holdings and items
   and the change outbox) in a separate process and prints records/s, the ratio to the bare
   parse rate, and the peak resident memory of the importing process and of its workers;
3. with --big N, imports an N-record file the same way to show memory does not grow with size.

The outbox drain task is only queued (to CELERY_BROKER_URL, default Redis DB 1), not run: it is
another worker's job. Benchmark libraries are dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")

import generate_marc  # noqa: E402

FILES = (("marc21", "utf-8"), ("cnmarc", "gb18030"))


def bare_pymarc_rate(path: Path, encoding: str) -> tuple[int, float]:
    import pymarc

    kwargs = {"to_unicode": True, "force_utf8": True} if encoding == "utf-8" else {
        "to_unicode": True, "file_encoding": "gb18030"}
    started = time.perf_counter()
    count = 0
    with open(path, "rb") as stream:
        for record in pymarc.MARCReader(stream, **kwargs):
            if record is not None:
                count += 1
    return count, count / (time.perf_counter() - started)


def child(path: str, code: str) -> None:
    """Import one file into a new library; print timings and peak memory as JSON."""
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # as in production: no per-query log growing in memory
    from marc_import.services.importer import import_file
    from tenants.models import Library
    from tenants.services.provisioning import create_library

    library = create_library(code, name=f"基准{code}", kind="college")
    try:
        started = time.perf_counter()
        job = import_file(library, path)
        seconds = time.perf_counter() - started
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps({"seconds": seconds, "counts": job.counts(), "holdings": job.holdings_created,
                          "items": job.items_created, "rss_main_mb": round(own, 1),
                          "rss_worker_mb": round(workers, 1)}))
    finally:
        Library.objects.get(pk=library.pk).delete(force_drop=True)


def run_child(path: Path, code: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(path), "--code", code], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--big", type=int, default=200_000, help="records for the memory run (0 to skip)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.code)
        return

    import django

    django.setup()
    from django.core.management import call_command

    from tenants.services.provisioning import migrate_template_schema

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    migrate_template_schema()
    print(f"cores: {os.cpu_count()}, records: {args.records}" + (f", memory run: {args.big}" if args.big else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, encoding in FILES:
            path = Path(tmp) / f"{fmt}-{args.records}.mrc"
            size = generate_marc.write(path, args.records, fmt, encoding)
            # Bare parsing is timed before and after the import and the faster run is the
            # reference, so a quiet moment for pymarc never flatters the ratio.
            count, before = bare_pymarc_rate(path, encoding)
            result = run_child(path, f"bench_imp_{fmt}_{os.getpid()}")
            _count, after = bare_pymarc_rate(path, encoding)
            bare = max(before, after)
            rate = args.records / result["seconds"]
            counts = result["counts"]
            print(f"\n{fmt} {encoding}: {args.records} records, {size / 1e6:.1f} MB")
            print(f"  bare pymarc parse : {bare:8.0f} records/s ({count} records; the faster of"
                  f" {before:.0f} before and {after:.0f} after the import)")
            print(f"  end-to-end import : {rate:8.0f} records/s ({result['seconds']:.1f} s; created {counts['created']},"
                  f" rejected {counts['rejected']}, holdings {result['holdings']}, items {result['items']})")
            print(f"  ratio             : {rate / bare:8.2f} of the bare parse rate")
            print(f"  peak memory       : importer {result['rss_main_mb']:.0f} MB, parse workers "
                  f"{result['rss_worker_mb']:.0f} MB ({args.records} records)")
            path.unlink()
            if args.big:
                big = Path(tmp) / f"{fmt}-{args.big}.mrc"
                big_size = generate_marc.write(big, args.big, fmt, encoding)
                result = run_child(big, f"bench_big_{fmt}_{os.getpid()}")
                print(f"  peak memory       : importer {result['rss_main_mb']:.0f} MB, parse workers "
                      f"{result['rss_worker_mb']:.0f} MB ({args.big} records, {big_size / 1e6:.0f} MB file, "
                      f"{args.big / result['seconds']:.0f} records/s)")
                big.unlink()
    try:
        from config.celery import app

        app.control.purge()  # the queued outbox-drain tasks nobody runs here
    except Exception:  # noqa: BLE001 - the broker may be absent; nothing was queued then
        pass


if __name__ == "__main__":
    main()
