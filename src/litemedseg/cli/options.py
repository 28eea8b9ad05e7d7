"""Options that several subcommands share, written once so their names and help cannot drift apart."""

from __future__ import annotations

import click

from litemedseg.runtime.loading import RUNTIMES

WEIGHTS_HELP = "Checkpoint folder, .safetensors file, or shipped name model:tag (litemedseg weights lists them)."

weights_option = click.option("--weights", required=True, help=WEIGHTS_HELP)
# predict, serve and explain take exported files too (litemedseg.runtime.load_segmenter)
any_weights_option = click.option(
    "--weights", required=True, help=WEIGHTS_HELP[:-1] + ", or an exported .onnx file.")

runtime_option = click.option(
    "--runtime", type=click.Choice(RUNTIMES),
    help="torch (checkpoints) or onnx (files from `litemedseg export`, no PyTorch needed); default: onnx when "
         "--weights ends with .onnx, else torch.")

masks_dir_option = click.option(
    "--masks-dir", help="Folder of the masks, relative to the dataset folder unless absolute  [default: masks/, "
                        "else the one of labels/, annotations/, gt/ ... that exists].")
mask_suffix_option = click.option(
    "--mask-suffix", help="Masks are named <image stem>SUFFIX, e.g. _mask or _segmentation  [default: the same stem, "
                          "else the one suffix that pairs them].")
