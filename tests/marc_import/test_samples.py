"""The demo's sample loader imports real MARC 21 and CNMARC records, repeatably."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from marc_import.exceptions import BadOption
from marc_import.services.samples import load_samples
from tenants.catalogue.models import Instance, Item


@pytest.mark.django_db
def test_load_samples_both_sets(library_a, library_b):
    cn = load_samples(library_a, which="cnmarc")
    assert (cn.read, cn.created, cn.rejected) == (10, 10, 0)
    m21 = load_samples(library_b, which="marc21")
    assert (m21.read, m21.created, m21.rejected) == (20, 20, 0)
    with tenant_context(library_a):
        assert Instance.objects.filter(record_format="unimarc", title__contains="中国").exists()
        assert Item.objects.exists()
    assert load_samples(library_a, which="cnmarc").unchanged == 10
    with pytest.raises(BadOption):
        load_samples(library_a, which="mods")
