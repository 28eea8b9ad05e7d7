"""`litemedseg weights`: the shipped weights, with the key figures of their model cards."""

from __future__ import annotations

import click


@click.command("weights")
def command() -> None:
    """List shipped weights (use them as --weights model:tag) with data, test score and size."""
    from litemedseg.models.pretrained import WEIGHTS_DIR, describe_pretrained

    cards = describe_pretrained()
    if not cards:
        click.echo("no shipped weights in this installation")
        return
    for card in cards:
        score = f"{card.metric} {card.score:.4f}" if card.score is not None else "no evaluation shipped"
        where = f"{card.dataset} {card.split} ({card.num_images} images)" if card.dataset else "unknown data"
        line = f"{card.name:<20} {where}: {score}"
        if card.zero_shot:
            line += f"; zero-shot {card.zero_shot}"
        click.echo(f"{line}; {card.size_mb:.2f} MB")
        if card.trained_on:
            click.echo(f"{'':<20} trained on {card.trained_on}")
    click.echo(f"model cards: {WEIGHTS_DIR}/<model>_<tag>/MODEL_CARD.md; fine-tune from one with "
               "`litemedseg train --init model:tag --data YOUR_FOLDER` (it takes the model and inputs of the weights)")
