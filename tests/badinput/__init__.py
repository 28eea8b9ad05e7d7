"""The bad-input corpus: generated broken files and folders, each run through the command line (docs/errors.md)."""
