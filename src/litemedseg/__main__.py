"""`python -m litemedseg ...` (also what `torchrun -m litemedseg train ...` runs)."""

from litemedseg.cli import main

main(prog_name="litemedseg")
