"""Access rules of the circulation area "figures" (merged into tests/access_matrix.py).

``RULES`` maps route names to calls as in tests/access_matrix.py; ``objects(library, users)``
makes the objects those calls name, in the library "beta" of the access-matrix catalogue, and
returns {name: value}.

The school's figures are its own circulation staff's and administrator's: counts per class are
readers' data of a kind, so coordinators (who hold staff roles over their regions) are refused.
"""

from tests.access_matrix import BETA, OWN_STAFF, get

RULES: dict = {
    "circ-api-figures": [get(OWN_STAFF, args=BETA, query="year=2026")],
    "circ-api-figures-csv": [get(OWN_STAFF, args=BETA, query="table=classes&year=2026")],
    "circ-api-figures-xlsx": [get(OWN_STAFF, args=BETA, query="table=titles")],
    "circ-figures": [get(OWN_STAFF, args=BETA)],
}


def objects(library, users) -> dict:
    return {}
