"""`litemedseg report`: galleries, plots and an HTML page from evaluation folders."""

from __future__ import annotations

import click


@click.command("report")
@click.argument("eval_dirs", nargs=-1, required=True, metavar="EVAL_DIR [EVAL_DIR ...]")
@click.option("--output", required=True, type=click.Path(file_okay=False), help="Folder for index.html and PNGs.")
@click.option("--top", "top_k", type=click.IntRange(1, 50), default=4, show_default=True,
              help="Worst and best images per evaluation shown in the galleries.")
@click.option("--no-progress", is_flag=True)
def command(eval_dirs, output, top_k, no_progress) -> None:  # noqa: ANN001
    """Compare evaluations (folders written by `litemedseg evaluate --output`).

    Writes galleries/ (TP green / FP blue / FN red overlays of the worst and best images by Dice, re-predicted
    with the evaluated weights), params_vs_dice.png, spider_*.png and index.html with the summary table.
    """
    from litemedseg.report import build_report

    index = build_report(eval_dirs, output, top_k, progress=not no_progress)
    click.echo(f"wrote the report to {index}")
