"""`litemedseg convert`: an official dataset layout (ISIC, DRIVE, MoNuSeg XML, nnU-Net, ...) -> the standard folder."""

from __future__ import annotations

from pathlib import Path

import click

from litemedseg.cli.options import mask_suffix_option, masks_dir_option


@click.command("convert")
@click.option("--input", "source", required=True, type=click.Path(path_type=Path),
              help="The unzipped official dataset (or the folder holding it).")
@click.option("--output", required=True, type=click.Path(path_type=Path),
              help="New folder to write: images/, masks/, fov/, split.json, ... (written whole or not at all).")
@click.option("--layout", help="One of isic2016, isic2017, isic2018, kvasir-seg, cvc-clinicdb, ph2, drive, chase-db1, "
                               "monuseg, busi, glas, nnunet (docs/data.md), or folder (your own: see --masks-dir); "
                               "omitted: detected from the folder.")
@masks_dir_option
@mask_suffix_option
@click.option("--overwrite", is_flag=True, help="Replace an existing non-empty output folder.")
@click.option("--mask-threshold", type=click.IntRange(min=0),
              help="Binarise masks at grey value > T (default: per layout, e.g. 127 for JPEG masks).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal only).")
def command(source: Path, output: Path, layout: str | None, masks_dir: str | None, mask_suffix: str | None,
            overwrite: bool, mask_threshold: int | None, progress: bool | None) -> None:
    """Convert an official dataset download into the standard layout that train/evaluate read.

    Layouts: ISIC 2016/2017/2018, Kvasir-SEG, CVC-ClinicDB, PH2, DRIVE, CHASE_DB1, MoNuSeg (XML), BUSI, GlaS and
    nnU-Net raw (dataset.json); docs/data.md lists the folder structure each expects.
    """
    from litemedseg.data.layouts import convert_dataset

    report = convert_dataset(source, output, layout, overwrite=overwrite, mask_threshold=mask_threshold,
                             progress=progress, masks_dir=masks_dir, mask_suffix=mask_suffix)
    click.echo(report.summary())
