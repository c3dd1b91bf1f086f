"""A long fuzz run of the MARC import: at least 10,000 mutated records from the shared test data.

    DATABASE_URL=postgres://... python benchmarks/fuzz_import.py [--records 10000] [--seconds 30]

Mutates the files of ``../shared/data`` (see ``SHARED_SEEDS`` in ``tests/marc_import/fuzz.py``)
with every mutator, imports each file through the import service into a throwaway member
library, and prints per mutation kind: files, records read, imported, unchanged, quarantined,
escaped exceptions, lost records (read - imported - unchanged - deleted - quarantined),
mismatched quarantine bytes and other broken promises. Exits 1 when anything broke, 0 when the
shared folder is absent (nothing to run on).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10000, help="stop after this many records read")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per file")
    parser.add_argument("--library", default="fuzzbench")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is required", file=sys.stderr)
        return 2
    from tests.marc_import import fuzz

    seeds = fuzz.shared_seeds()
    if not seeds:
        print("the shared test-data folder is absent: nothing to fuzz")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("UNIONCAT_DEV", "true")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tenants.models import Library
    from tenants.services.provisioning import create_library, migrate_template_schema

    # A new database works as it is: the public schema and the library template are migrated first.
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    migrate_template_schema()
    connection.set_schema_to_public()
    for old in Library.objects.filter(code=args.library):
        old.delete(force_drop=True)
    library = create_library(args.library, name="Fuzz benchmark", kind="middle")
    rows = collections.defaultdict(collections.Counter)
    examples: dict[str, list[str]] = collections.defaultdict(list)
    total = 0
    n = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            while total < args.records:
                for seed in seeds:
                    for mutation in fuzz.mutations_for(seed):
                        try:
                            case = fuzz.make_case(seed, mutation, n)
                        except (ValueError, IndexError):
                            continue
                        outcome = fuzz.import_and_check(library, case, directory=Path(tmp), seconds=args.seconds)
                        connection.set_schema_to_public()
                        row = rows[mutation]
                        row["files"] += 1
                        row["read"] += outcome.read
                        row["imported"] += outcome.imported
                        row["unchanged"] += outcome.unchanged
                        row["quarantined"] += outcome.quarantined
                        row["escaped"] += bool(outcome.escaped)
                        row["lost"] += abs(outcome.lost) if not outcome.escaped else 0
                        row["mismatched"] += len(outcome.mismatched)
                        row["broken"] += not outcome.ok
                        if not outcome.ok and len(examples[mutation]) < 3:
                            examples[mutation].append(f"{case.id}: {'; '.join(outcome.problems)[:300]}")
                        total += outcome.read
                n += 1
    finally:
        connection.set_schema_to_public()
        library.delete(force_drop=True)
    columns = ["files", "read", "imported", "unchanged", "quarantined", "escaped", "lost", "mismatched", "broken"]
    print(f"{'mutation':28}" + "".join(f"{c:>12}" for c in columns))
    sums = collections.Counter()
    for mutation in sorted(rows):
        sums.update(rows[mutation])
        print(f"{mutation:28}" + "".join(f"{rows[mutation][c]:>12}" for c in columns))
    print(f"{'total':28}" + "".join(f"{sums[c]:>12}" for c in columns))
    for mutation, lines in sorted(examples.items()):
        for line in lines:
            print(f"  {mutation}: {line}")
    return 1 if sums["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
