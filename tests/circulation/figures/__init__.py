"""The school's figures: the service against hand-computed values, its exports, API and page."""
