"""Cross-library search: one backend contract with PostgreSQL full-text (default) and
Elasticsearch implementations, Chinese-aware analysis, the OPAC, REST, SRU and OAI-PMH."""
