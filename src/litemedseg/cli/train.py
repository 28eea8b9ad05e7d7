"""`litemedseg train`: train a model from a YAML config and/or command-line settings."""

from __future__ import annotations

import click

from litemedseg.cli.options import mask_suffix_option, masks_dir_option

# CLI flag -> dotted config key; every other field is reachable with --set key=value.
FLAG_KEYS = {
    "model": "model", "data": "data", "epochs": "epochs", "batch_size": "batch_size", "lr": "lr",
    "size": "input.size", "mode": "input.mode", "scale": "input.scale", "output": "output", "name": "name",
    "device": "device", "seed": "seed", "num_classes": "num_classes", "mask_threshold": "mask_threshold",
    "split_file": "split_file", "threads": "threads", "patience": "patience", "loss": "loss",
    "time_budget": "time_budget", "init": "init", "masks_dir": "masks_dir", "mask_suffix": "mask_suffix",
    "group_by": "group_by",
}


@click.command("train")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="YAML config (see configs/).")
@click.option("--model", help="Registered model name (litemedseg info).")
@click.option("--data", help='Dataset folder (images/, masks/) or "demo".')
@click.option("--epochs", type=int, help="Epochs (the cap when --time-budget is set).")
@click.option("--time-budget", help='Train for this long (e.g. 15m, 1h30m, 900): the schedule spans it.')
@click.option("--batch-size", type=int)
@click.option("--lr", type=float)
@click.option("--size", type=int, help="Square input side: resize target, or patch side in patch mode.")
@click.option("--mode", type=click.Choice(["resize", "patch"]), help="Resize whole images or train on patches.")
@click.option("--scale", type=float, help="Patch mode: rescale images by this factor first.")
@click.option("--loss", help="dice_jaccard_bce, dice_bce or dice_ce (default depends on the model).")
@click.option("--num-classes", type=int, help="Class count of class-index masks (default: classes.json or 1).")
@click.option("--mask-threshold", type=int, help="Binarise masks at value > T (JPEG-compressed masks).")
@click.option("--split-file", type=click.Path(dir_okay=False), help="JSON with train/val/test stem lists.")
@click.option("--group-by", help="Keep groups whole when splitting (frames of one video, slices of one patient): a "
                                 "regex on the stem (group 1 = the group, e.g. '^(seq\\d+)_') or a CSV of stem,group.")
@click.option("--skip-unpaired", is_flag=True, default=None, help="Leave out images without masks (one warning).")
@masks_dir_option
@mask_suffix_option
@click.option("--output", help="Parent folder of run folders.  [default: runs]")
@click.option("--name", help="Run folder name.  [default: MODEL-DATASET]")
@click.option("--device", help="auto, cpu, cuda, cuda:1 ...")
@click.option("--seed", type=int)
@click.option("--threads", type=int, help="CPU threads for PyTorch.")
@click.option("--patience", type=int, help="Early stopping: epochs without validation gain (0 = off).")
@click.option("--deterministic", is_flag=True, default=None, help="Deterministic algorithms (exact resume on CPU).")
@click.option("--init", help="Start from these weights (fine-tuning): a checkpoint folder, .safetensors file or "
                             "shipped model:tag (litemedseg weights); a different class count gets a fresh head.")
@click.option("--resume", is_flag=True, help="Finish an interrupted run from its last checkpoint (same schedule).")
@click.option("--overwrite", is_flag=True, default=None, help="Replace an existing run folder.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Any config field, e.g. augment.elastic=true.")
def command(config_path, settings, resume, no_progress, **flags) -> None:  # noqa: ANN001
    """Train a segmentation model; writes checkpoints (best/, last/), metrics.csv and TensorBoard logs."""
    from litemedseg.config import load_config, parse_override
    from litemedseg.engine.training import train
    from litemedseg.errors import ConfigError

    overrides = dict(parse_override(s) for s in settings)
    for flag, key in FLAG_KEYS.items():
        if flags.get(flag) is not None:
            overrides[key] = flags[flag]
    for flag in ("skip_unpaired", "deterministic", "overwrite"):
        if flags.get(flag):
            overrides[flag] = True
    if no_progress:
        overrides["progress"] = False
    config = load_config(config_path, overrides)
    try:
        result = train(config, resume=resume)
    except ConfigError as err:
        # set-up checks (size rule, model_kwargs, loss, device) see the config, not its file: name the file,
        # unless the message already leads with a path (a run folder, a dataset, a state file)
        if config_path is None or _leads_with_path(str(err)):
            raise
        raise ConfigError(f"{config_path}: {err}") from None
    if result.rank != 0:  # under torchrun only the first process reports
        return
    stop = result.describe_stop()
    spent = f"{result.wall_time_s:.0f} s wall"
    if result.time_budget_s:  # the clock the budget counts, against the budget
        spent = (f"{result.training_time_s:.0f} of {result.time_budget_s:.0f} {result.time_budget_clock} s "
                 f"budgeted, {result.wall_time_s:.0f} s wall")
    click.echo(
        f"{result.run_dir}: best validation {result.best_score:.4f} at epoch {result.best_epoch} "
        f"({result.epochs_run} epochs{', ' + stop if stop else ''}, {spent}); weights: {result.run_dir / 'best'}"
    )


def _leads_with_path(message: str) -> bool:
    """Whether a one-line error starts with a path ("runs/x: run folder exists"), not a field or a name."""
    import os
    from pathlib import Path

    head = message.split(": ", 1)[0]
    try:
        return os.sep in head or Path(head).exists()
    except (OSError, ValueError):
        return False
