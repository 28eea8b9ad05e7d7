"""`litemedseg explain`: Grad-CAM heatmaps of what drives a model's segmentation."""

from __future__ import annotations

import click

from litemedseg.cli.options import any_weights_option


@click.command("explain")
@any_weights_option
@click.option("--input", "input_path", required=True, help="An image file or a folder of images.")
@click.option("--output", required=True, type=click.Path(file_okay=False), help="Folder for overlays/ and maps/.")
@click.option("--layer", default=None,
              help="Dotted module name to explain (default: last decoder stage; MONAI unet: model.1.submodule, "
                   "basicunet: upcat_1).")
@click.option("--class-index", type=int, default=None,
              help="Label value to explain (binary: 1 foreground, 0 background). Default: the foreground, or each "
                   "predicted class of a multi-class model.")
@click.option("--alpha", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Heatmap opacity in the overlays.")
@click.option("--skip-bad", is_flag=True, help="Warn about unreadable images and go on instead of stopping.")
@click.option("--device", default="auto", show_default=True)
@click.option("--no-progress", is_flag=True)
def command(weights, input_path, output, layer, class_index, alpha, skip_bad, device, no_progress) -> None:  # noqa: ANN001
    """Grad-CAM for segmentation: the logits of a class summed over its predicted region, explained at one layer.

    Writes overlays/<stem>_<class>.png (jet colour map over the image: red = strong evidence, blue = none),
    maps/<stem>_<class>.npy (float32 in [0, 1], original size) and explain.json.
    """
    from litemedseg.explain.files import explain_files
    from litemedseg.runtime import list_inputs, load_segmenter
    from litemedseg.runtime.loading import source_checkpoint

    inputs = list_inputs(input_path)
    checkpoint = source_checkpoint(weights, "Grad-CAM needs the PyTorch model's gradients")
    if checkpoint != str(weights):
        click.echo(f"explaining {checkpoint}, the checkpoint {weights} was exported from", err=True)
    segmenter = load_segmenter(checkpoint, "torch", device=device)
    records = explain_files(segmenter, inputs, output, layer=layer, class_index=class_index, alpha=alpha,
                            skip_bad=skip_bad, progress=not no_progress)
    click.echo(f"wrote {len(records)} Grad-CAM maps to {output}/overlays and {output}/maps")
