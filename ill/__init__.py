"""Interlibrary loan and document delivery between members on the ISO 18626 model."""
