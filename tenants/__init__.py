"""Tenancy and people: the consortium's regions, member libraries (one PostgreSQL schema each),
their domains, user memberships and roles, and the catalogue outbox that carries every local
catalogue change to the union catalogue. ``tenants.catalogue`` is the member-schema catalogue."""
