"""`litemedseg predict`: masks for new images, at their original size."""

from __future__ import annotations

import click


@click.command("predict")
@click.option("--weights", required=True, help="Checkpoint folder, .safetensors file, or shipped name model:tag.")
@click.option("--input", "input_path", required=True, help="An image file or a folder of images.")
@click.option("--output", required=True, type=click.Path(file_okay=False), help="Folder for masks/ (and more).")
@click.option("--probabilities", is_flag=True, help="Also write probability maps (0-255 PNG).")
@click.option("--overlay", is_flag=True, help="Also write mask overlays on the images.")
@click.option("--tta", is_flag=True, help="Average over flips at test time.")
@click.option("--skip-bad", is_flag=True, help="Warn about unreadable images and go on instead of stopping.")
@click.option("--device", default="auto", show_default=True)
@click.option("--no-progress", is_flag=True)
def command(weights, input_path, output, probabilities, overlay, tta, skip_bad, device, no_progress) -> None:  # noqa: ANN001
    """Predict masks (0/255 PNG, or class indices) for an image or a folder of images."""
    from litemedseg.engine.prediction import Segmenter, list_inputs, predict_files

    inputs = list_inputs(input_path)
    segmenter = Segmenter.from_weights(weights, device=device, tta=tta)
    records = predict_files(segmenter, inputs, output, probabilities, overlay, skip_bad, progress=not no_progress)
    click.echo(f"wrote {len(records)} masks to {output}/masks")
