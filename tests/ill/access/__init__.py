"""Access rules of the ILL routes, one module per area (every module here), merged into the access matrix.

Each module has ``RULES`` (route name -> calls, as in tests/access_matrix.py) and
``objects(library, users) -> dict`` making the objects its calls name.
"""

import importlib
import pkgutil

AREAS = tuple(importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__))
