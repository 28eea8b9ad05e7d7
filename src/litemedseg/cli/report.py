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
    import warnings

    from litemedseg.report import build_report

    # warnings about the inputs are worth reading only beside a report: on failure the one error line stands alone
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        index = build_report(eval_dirs, output, top_k, progress=not no_progress)
    for warning in caught:
        warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    click.echo(f"wrote the report to {index}")
