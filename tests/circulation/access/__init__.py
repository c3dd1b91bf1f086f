"""Access rules of the circulation routes, one module per area, merged into the access matrix."""

from tests.circulation.access import corners, desk, figures, readers, stock

AREAS = (desk, readers, corners, stock, figures)
