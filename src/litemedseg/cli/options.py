"""Options that several subcommands share, written once so their names and help cannot drift apart."""

from __future__ import annotations

import click

WEIGHTS_HELP = "Checkpoint folder, .safetensors file, or shipped name model:tag (litemedseg weights lists them)."

weights_option = click.option("--weights", required=True, help=WEIGHTS_HELP)

masks_dir_option = click.option(
    "--masks-dir", help="Folder of the masks, relative to the dataset folder unless absolute  [default: masks/, "
                        "else the one of labels/, annotations/, gt/ ... that exists].")
mask_suffix_option = click.option(
    "--mask-suffix", help="Masks are named <image stem>SUFFIX, e.g. _mask or _segmentation  [default: the same stem, "
                          "else the one suffix that pairs them].")
