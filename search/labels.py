"""Display labels of facet values."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

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

MATERIAL_TYPE_NAMES = {
    "book": _("Book"),
    "serial": _("Serial"),
    "score": _("Music score"),
    "map": _("Map"),
    "video": _("Video"),
    "audio": _("Audio"),
    "electronic": _("Electronic resource"),
    "manuscript": _("Manuscript"),
    "mixed": _("Mixed materials"),
    "other": _("Other"),
}

LANGUAGE_NAMES = {
    "chi": _("Chinese"),
    "eng": _("English"),
    "jpn": _("Japanese"),
    "fre": _("French"),
    "ger": _("German"),
    "rus": _("Russian"),
    "kor": _("Korean"),
    "spa": _("Spanish"),
}

AVAILABLE_NAMES = {"true": _("Available now"), "false": _("Not on the shelf")}


def facet_labels(facets: dict[str, list[tuple[str, int]]]) -> dict[str, dict[str, str]]:
    """facet -> value -> label, looking up library and district names in one query each."""
    from tenants.models import Library, Region

    labels: dict[str, dict[str, str]] = {}
    libs = [v for v, _n in facets.get("library", [])]
    districts = [v for v, _n in facets.get("district", [])]
    labels["library"] = (
        dict(Library.objects.filter(code__in=libs).values_list("code", "name")) if libs else {}
    )
    labels["district"] = (
        dict(Region.objects.filter(code__in=districts).values_list("code", "name")) if districts else {}
    )
    labels["clc_class"] = {k: str(v) for k, v in CLC_CLASS_NAMES.items()}
    labels["material_type"] = {k: str(v) for k, v in MATERIAL_TYPE_NAMES.items()}
    labels["language"] = {k: str(v) for k, v in LANGUAGE_NAMES.items()}
    labels["available"] = {k: str(v) for k, v in AVAILABLE_NAMES.items()}
    return labels
