"""Account and role management pages (placeholder until they land)."""
