"""Hostile MARC files never break an import and never lose a record or its bytes.

Files are real records damaged by the mutators in ``fuzz.py``: cut lengths, bad directories and
base addresses, missing or doubled terminators, byte flips, invalid bytes in every supported
character set, NUL and control characters in every kind of field, huge words and fields, and
broken or hostile MARCXML. Each one is imported through the import service; see ``fuzz.py`` for
the promises checked. Known faults still being fixed are marked as strict expected failures
(``KNOWN``), so a case that starts to pass fails the suite until its marker is removed.

The cases share one member library, committed once for this module (creating a library per case
would cost more than all the imports together); each case's import is rolled back with its test.
"""

from __future__ import annotations

import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.marc_import import fuzz

pytestmark = pytest.mark.django_db

SEEDS = {seed.name: seed for seed in fuzz.shipped_seeds()}


def corpus() -> list[fuzz.Case]:
    """One case for every mutation of every seed it applies to (mutations a seed cannot take,
    such as content changes to a record whose directory is already unusable, are left out)."""
    cases = []
    for seed in SEEDS.values():
        for mutation in fuzz.mutations_for(seed):
            try:
                cases.append(fuzz.make_case(seed, mutation))
            except ValueError:
                continue
    return cases


CORPUS = corpus()

# case id -> the fault that still breaks it (owned by the import and search work in progress).
KNOWN: dict[str, str] = {}


def _param(case: fuzz.Case):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[case.id])] if case.id in KNOWN else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.fixture(scope="module")
def entity_listener():
    """A socket an external XML entity points at: a parser that fetches it leaves a connection here."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    fuzz.ENTITY_PORT = server.getsockname()[1]
    yield server
    fuzz.ENTITY_PORT = None
    server.close()


@pytest.fixture(scope="module")
def fuzz_library(django_db_setup, django_db_blocker, entity_listener):
    from django.db import connection

    from search.models import SearchDocument
    from tenants.models import CatalogueChange, Library, Region
    from tenants.services.provisioning import create_library
    from union.models import UnionChange, UnionRecord

    def forget_everything() -> None:
        # The library is committed once for the whole module, so everything it leads to is
        # committed too: with tasks run in-process, each import also runs the union sync. Other
        # tests each roll back their own data, so what is left here is this module's alone.
        connection.set_schema_to_public()
        for old in Library.objects.filter(code="fuzz"):
            old.delete(force_drop=True)
        UnionRecord.objects.all().delete()
        UnionChange.objects.all().delete()
        CatalogueChange.objects.all().delete()
        SearchDocument.objects.all().delete()
        Region.objects.filter(code="fuzz_region").delete()

    with django_db_blocker.unblock():
        forget_everything()
        region = Region.objects.create(code="fuzz_region", name="模糊测试区", name_en="Fuzz", level="district")
        library = create_library("fuzz", name="Fuzz", kind="middle", region=region)
    yield library
    with django_db_blocker.unblock():
        forget_everything()


@pytest.fixture
def import_case(fuzz_library, entity_listener, tmp_path):
    def run(case: fuzz.Case) -> fuzz.Outcome:
        outcome = fuzz.import_and_check(fuzz_library, case, directory=tmp_path)
        try:
            entity_listener.accept()[0].close()
            outcome.problems.append("the parser fetched an external entity over the network")
        except BlockingIOError:
            pass
        return outcome

    return run


def explain(outcome: fuzz.Outcome) -> str:
    return f"{outcome.case.id} (status {outcome.status}, read {outcome.read}): " + "; ".join(outcome.problems)


def test_the_corpus_has_every_mutation_kind():
    assert {case.mutation for case in CORPUS} == set(fuzz.MUTATORS)
    assert set(KNOWN) <= {case.id for case in CORPUS}, "a known fault names a case that no longer exists"


@pytest.mark.parametrize("case", [_param(case) for case in CORPUS])
def test_a_hostile_file_is_imported_or_quarantined_record_by_record(import_case, case):
    outcome = import_case(case)
    assert outcome.ok, explain(outcome)


def _stacked_cases():
    names = sorted(SEEDS)
    return st.sampled_from(names).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.lists(st.sampled_from(fuzz.mutations_for(SEEDS[name])), min_size=1, max_size=3),
            st.integers(0, 10**6),
        )
    )


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(choice=_stacked_cases())
def test_random_stacks_of_mutations_keep_every_promise(import_case, choice):
    name, mutations, n = choice
    case = fuzz.stacked_case(SEEDS[name], mutations, n)
    outcome = import_case(case)
    assert outcome.ok, explain(outcome)
