"""Display labels of facet values."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from search.contract import FACETS
from tenants.catalogue.models import MaterialType
from tenants.models import Library, Region

# The 22 main classes of the Chinese Library Classification (中国图书馆分类法).
CLC_CLASS_NAMES = {
    "A": _("Marxism, Leninism, Mao Zedong Thought, Deng Xiaoping Theory"),
    "B": _("Philosophy and religion"),
    "C": _("Social sciences (general)"),
    "D": _("Politics and law"),
    "E": _("Military science"),
    "F": _("Economics"),
    "G": _("Culture, science, education and sports"),
    "H": _("Languages and linguistics"),
    "I": _("Literature"),
    "J": _("Art"),
    "K": _("History and geography"),
    "N": _("Natural sciences (general)"),
    "O": _("Mathematics, physics and chemistry"),
    "P": _("Astronomy and earth sciences"),
    "Q": _("Biology"),
    "R": _("Medicine and health"),
    "S": _("Agriculture"),
    "T": _("Industrial technology"),
    "U": _("Transportation"),
    "V": _("Aviation and aerospace"),
    "X": _("Environmental science and safety"),
    "Z": _("General works"),
}

# MARC language codes (MARC 21 ``chi``; ISO 639-2/T ``zho`` as some CNMARC records write it).
LANGUAGE_NAMES = {
    "chi": _("Chinese"),
    "zho": _("Chinese"),
    "eng": _("English"),
    "jpn": _("Japanese"),
    "fre": _("French"),
    "ger": _("German"),
    "rus": _("Russian"),
    "kor": _("Korean"),
    "spa": _("Spanish"),
    "mul": _("Several languages"),
}

AVAILABLE_NAMES = {"true": _("Available now"), "false": _("Not on the shelf")}


def material_type_name(code: str) -> str:
    # The catalogue's own choices, so a new material type is labelled wherever it shows.
    return str(dict(MaterialType.choices).get(code, code))


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))


def facet_labels(facets: dict[str, list[tuple[str, int]]]) -> dict[str, dict[str, str]]:
    """facet -> value -> label for every value in ``facets`` (a value without a name is its own label),
    looking up library and district names in one query each.

    The API and the web catalogue both label facets here, so a value reads the same on each.
    """

    def values(facet: str) -> list[str]:
        return [v for v, _n in facets.get(facet, [])]

    names: dict[str, dict[str, str]] = {facet: {} for facet in FACETS}
    if libs := values("library"):
        names["library"] = dict(Library.objects.filter(code__in=libs).values_list("code", "name"))
    if districts := values("district"):
        names["district"] = dict(Region.objects.filter(code__in=districts).values_list("code", "name"))
    names["material_type"] = {v: material_type_name(v) for v in values("material_type")}
    names["language"] = {v: language_name(v) for v in values("language")}
    names["clc_class"] = {k: str(v) for k, v in CLC_CLASS_NAMES.items()}
    names["available"] = {k: str(v) for k, v in AVAILABLE_NAMES.items()}
    return {facet: {v: names[facet].get(v, v) for v in values(facet)} for facet in FACETS}
