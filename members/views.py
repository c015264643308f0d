"""Member pages."""
