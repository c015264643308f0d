"""Excel import pages (placeholder until the import module lands)."""
