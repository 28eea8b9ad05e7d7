"""`litemedseg predict`: masks for new images, at their original size (PyTorch, or ONNX Runtime without torch)."""

from __future__ import annotations

import click

from litemedseg.cli.options import any_weights_option, runtime_option


@click.command("predict")
@any_weights_option
@click.option("--input", "input_path", required=True, help="An image file or a folder of images.")
@click.option("--output", required=True, type=click.Path(file_okay=False), help="Folder for masks/ (and more).")
@runtime_option
@click.option("--probabilities", is_flag=True, help="Also write probability maps (0-255 PNG).")
@click.option("--overlay", is_flag=True, help="Also write mask overlays on the images (outlined, colour-blind-safe "
                                               "colours).")
@click.option("--overlay-alpha", type=click.FloatRange(0, 1), default=0.45, show_default=True,
              help="Fill opacity of the overlays (0: outlines only).")
@click.option("--tta", is_flag=True, help="Average over flips at test time.")
@click.option("--skip-bad", is_flag=True, help="Warn about unreadable images and go on instead of stopping.")
@click.option("--device", default="auto", show_default=True)
@click.option("--threads", type=click.IntRange(1), help="CPU threads (default: all cores; 1 is best on a CPU "
                                                        "that other work shares).")
@click.option("--precision", type=click.Choice(["auto", "fp32"]), default="auto", show_default=True,
              help="PyTorch runtime: auto runs the checkpoint's execution plan (bf16 where training used it and this "
                   "device has it); fp32 gives the masks an fp32 ONNX export gives.")
@click.option("--no-progress", is_flag=True)
def command(weights, input_path, output, runtime, probabilities, overlay, overlay_alpha, tta, skip_bad, device,
            threads, precision, no_progress) -> None:  # noqa: ANN001
    """Predict masks (0/255 PNG, or class indices) for an image or a folder of images."""
    # numpy, Pillow and onnxruntime only for an ONNX file: load_segmenter imports torch only for checkpoints
    from litemedseg.runtime import list_inputs, load_segmenter, predict_files

    inputs = list_inputs(input_path)
    segmenter = load_segmenter(weights, runtime, device=device, tta=tta, precision=precision, threads=threads)
    segmenter.window_progress = not no_progress  # a bar over the windows of a large image
    records = predict_files(segmenter, inputs, output, probabilities=probabilities, overlays=overlay, skip_bad=skip_bad,
                            progress=not no_progress,
                            overlay_alpha=overlay_alpha)
    click.echo(f"wrote {len(records)} masks to {output}/masks")
