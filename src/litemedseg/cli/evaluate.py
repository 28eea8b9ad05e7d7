"""`litemedseg evaluate`: every metric of the protocol on a dataset split."""

from __future__ import annotations

import click

from litemedseg.cli.options import mask_suffix_option, masks_dir_option, weights_option


@click.command("evaluate")
@weights_option
@click.option("--data", required=True, help='Dataset folder or "demo".')
@click.option("--split", type=click.Choice(["train", "val", "test", "all"]),
              help="Split to score  [default: test; all with --zero-shot].")
@click.option("--output", type=click.Path(file_okay=False), help="Folder for per_image.csv, summary.json, report.md.")
@click.option("--zero-shot", is_flag=True, help="Score on a dataset the model never saw (whole set unless --split).")
@click.option("--tta", is_flag=True, help="Average over flips at test time.")
@click.option("--split-file", type=click.Path(dir_okay=False), help="JSON with train/val/test stem lists.")
@click.option("--mask-threshold", type=click.IntRange(0, 65535),
              help="Binarise masks at value > T (JPEG-compressed masks)  [default: the checkpoint's].")
@click.option("--skip-unpaired/--no-skip-unpaired", default=None,
              help="Leave out images without a mask (and masks without an image)  [default: the checkpoint's].")
@masks_dir_option
@mask_suffix_option
@click.option("--allow-overlap", is_flag=True,
              help="Score images the model saw in training/validation anyway (the summary says it is then "
                   "neither a test nor a zero-shot score).")
@click.option("--device", default="auto", show_default=True)
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(1))
@click.option("--no-hd95", is_flag=True, help="Skip HD95 (the slowest metric).")
@click.option("--threads", type=click.IntRange(1), help="CPU threads for PyTorch  [default: all cores].")
@click.option("--precision", type=click.Choice(["auto", "fp32"]), default="auto", show_default=True,
              help="auto runs the checkpoint's execution plan (bf16 where training used it and this "
                   "device has it); fp32 gives the masks an fp32 ONNX export gives.")
@click.option("--no-progress", is_flag=True)
def command(weights, data, split, output, zero_shot, tta, split_file, mask_threshold, skip_unpaired, masks_dir,
            mask_suffix, allow_overlap, device, batch_size, no_hd95, threads, precision,
            no_progress) -> None:  # noqa: ANN001
    """Score a trained model under the evaluation protocol and print the summary."""
    from litemedseg.engine.evaluation import evaluate, markdown_report

    if threads:
        import torch

        torch.set_num_threads(threads)
    result = evaluate(weights, data, split, output, zero_shot=zero_shot, tta=tta, device=device, batch_size=batch_size,
                      split_file=split_file, mask_threshold=mask_threshold,
                      with_hd95=not no_hd95, progress=not no_progress, precision=precision,
                      allow_overlap=allow_overlap, skip_unpaired=skip_unpaired, masks_dir=masks_dir,
                      mask_suffix=mask_suffix)
    click.echo(markdown_report(result.summary), nl=False)
    if result.output_dir:
        click.echo(f"\nwrote {result.output_dir}/per_image.csv, summary.json, report.md")
