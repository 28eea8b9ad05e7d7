"""Small helpers shared across litemedseg (atomic writes, model statistics, run provenance)."""
