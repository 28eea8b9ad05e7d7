"""`litemedseg export`: a checkpoint as ONNX (fp32, INT8, FP16) or TorchScript, with metadata and a parity report."""

from __future__ import annotations

import click

from litemedseg.cli.options import weights_option


@click.command("export")
@weights_option
@click.option("--format", "export_format", default="onnx", show_default=True, help="onnx or torchscript.")
@click.option("--output", help="File to write, or a folder for it (a path without a suffix is a folder; "
                               "default: beside the checkpoint, model[.int8|.fp16].onnx or model.torchscript.pt).")
@click.option("--int8", is_flag=True, help="ONNX only: static INT8 quantisation (QDQ, per-channel weights), "
                                           "calibrated on training images.")
@click.option("--fp16", is_flag=True, help="ONNX only: float16 weights and compute, float32 inputs and outputs.")
@click.option("--data", help="Dataset folder or \"demo\" for calibration and the accuracy check "
                             "(default: the checkpoint's dataset).")
@click.option("--split", default="test", show_default=True, type=click.Choice(["train", "val", "test", "all"]),
              help="Split the accuracy check scores.")
@click.option("--calibration-images", default=16, show_default=True, type=int,
              help="Training images that calibrate --int8.")
@click.option("--opset", default=17, show_default=True, type=click.IntRange(17, 20), help="ONNX opset.")
@click.option("--max-dice-drop", default=0.02, show_default=True, type=float,
              help="Exit 1 when the exported file's Dice is this much below PyTorch's.")
@click.option("--no-check", is_flag=True, help="Skip the accuracy check on the test split (logits are still "
                                               "compared, on calibration images or random inputs).")
@click.option("--no-progress", is_flag=True)
def command(weights, export_format, output, int8, fp16, data, split, calibration_images, opset, max_dice_drop,
            no_check, no_progress) -> None:  # noqa: ANN001
    """Export a checkpoint, then compare the exported file with PyTorch fp32 (logits and test Dice).

    Writes the file and <file>.json beside it (metadata + report); ONNX files also carry the metadata inside.
    Exits 1 only for a clearly broken export: Dice drop above --max-dice-drop, or fp32 logits off by > 1e-3.
    """
    from litemedseg.export.api import export_model
    from litemedseg.export.report import ExportCheckError

    result = export_model(weights, export_format, output, int8=int8, fp16=fp16, data=data, split=split,
                          calibration_images=calibration_images, opset=opset, max_dice_drop=max_dice_drop,
                          check=not no_check, progress=not no_progress)
    for line in result.report.lines():
        click.echo(line)
    click.echo(f"  metadata: {result.metadata_path} ({result.wall_time_s} s)")
    if not result.report.ok:
        raise ExportCheckError(f"{result.path}: export check failed: {'; '.join(result.report.failures)}")
    if export_format == "onnx":  # what to type next, with this file (ONNX Runtime needs no PyTorch)
        import shlex

        model = shlex.quote(str(result.path))
        click.echo("use it:")
        click.echo(f"  litemedseg predict --weights {model} --input IMAGES_DIR --output masks/ --overlay")
        # evaluate scores checkpoints (it needs their split record); the export check above scored this file
        click.echo(f"  litemedseg evaluate --weights {shlex.quote(str(weights))} "
                   f"--data {shlex.quote(str(data)) if data else 'DATA_DIR'} --output eval/")
