"""The `litemedseg` command line: a thin layer over the Python API (one module per subcommand)."""

from litemedseg.cli.main import main

__all__ = ["main"]
