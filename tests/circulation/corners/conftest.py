"""Fixtures of the corner, overdue and charge tests: a class with its teacher, in alpha."""

from __future__ import annotations

import pytest


@pytest.fixture
def teacher(make_reader):
    return make_reader("李老师", kind="teacher", card="T0001", email="li@school.example")


@pytest.fixture
def class_3_2(make_class, teacher):
    return make_class(3, "2", teacher=teacher)
