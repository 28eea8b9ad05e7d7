"""Training-recipe options that matter at small budgets, each off unless a config turns it on.

- ``WeightAverage``: an exponential moving average of the weights (torch.optim.swa_utils.AveragedModel); the
  average is what validation scores and what checkpoints hold.
- ``DeepSupervision``: 1x1 heads on the deeper decoder stages, trained with the same loss at lower weight. The
  heads belong to the trainer, not the model: checkpoints and exports hold the plain network.
- ``progressive_size``: low resolution first (resize mode), full resolution for the second half of the schedule.

Each is measured on validation splits in benchmarks/recipe_ablation.py (BENCHMARKS.md, "Recipe options").
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import AveragedModel

from litemedseg.errors import ConfigError

# Deep-supervision weights of the auxiliary heads, from the stage just before the last one to the deepest.
AUX_WEIGHTS = (0.4, 0.2, 0.1)
PROGRESSIVE_SCALE, PROGRESSIVE_UNTIL = 0.5, 0.5


def ema_update(decay: float) -> Callable:
    """AveragedModel's multi_avg_fn for an EMA whose decay warms up as (1 + n) / (10 + n) until it reaches
    `decay` (n = updates so far), so a short run's average is not stuck near the random initialisation."""

    @torch.no_grad()
    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], num_averaged: torch.Tensor) -> None:
        n = float(num_averaged)
        weight = 1.0 - min(decay, (1.0 + n) / (10.0 + n))
        for mean, value in zip(averaged, current):
            if mean.is_floating_point():
                mean.lerp_(value, weight)
            else:  # integer buffers (BatchNorm's num_batches_tracked) follow the model
                mean.copy_(value)

    return update


class WeightAverage:
    """EMA of a model's parameters and buffers (BatchNorm statistics included), updated after every step."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.averaged = AveragedModel(model, multi_avg_fn=ema_update(decay), use_buffers=True)

    @property
    def module(self) -> nn.Module:
        """The averaged network (the same class as the trained one)."""
        return self.averaged.module

    def update(self, model: nn.Module) -> None:
        self.averaged.update_parameters(model)

    def state_dict(self) -> dict:
        return self.averaged.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.averaged.load_state_dict(state)


class DeepSupervision(nn.Module):
    """Auxiliary 1x1 heads on ``model.decoder`` stages (all but the last), fed by forward hooks."""

    def __init__(self, model: nn.Module, num_classes: int, probe: torch.Tensor) -> None:
        super().__init__()
        decoder = getattr(model, "decoder", None)
        if not isinstance(decoder, (nn.ModuleList, nn.Sequential)) or len(decoder) < 2:
            name = getattr(getattr(model, "model_config", None), "name", type(model).__name__)
            raise ConfigError(f"recipe.deep_supervision needs a model with decoder stages (model.decoder); "
                              f"{name!r} has none")
        self.stages = list(decoder)[:-1][::-1][: len(AUX_WEIGHTS)]  # nearest the output first
        self.features: dict[int, torch.Tensor] = {}
        self._hooks = [stage.register_forward_hook(self._keeper(i)) for i, stage in enumerate(self.stages)]
        was_training = model.training
        with torch.no_grad():
            model.eval()(probe)
        model.train(was_training)
        self.heads = nn.ModuleList(nn.Conv2d(self.features[i].shape[1], num_classes, 1)
                                   for i in range(len(self.stages)))
        self.features.clear()

    def _keeper(self, index: int) -> Callable:
        def keep(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            self.features[index] = output
        return keep

    def loss(self, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], target: torch.Tensor,
             size: tuple[int, int]) -> torch.Tensor:
        """The weighted auxiliary losses of the last forward pass (logits upsampled to `size`)."""
        total = torch.zeros((), device=target.device)
        for i, head in enumerate(self.heads):
            logits = F.interpolate(head(self.features[i].float()), size=size, mode="bilinear", align_corners=False)
            total = total + AUX_WEIGHTS[i] * loss_fn(logits, target)
        self.features.clear()
        return total

    def remove(self) -> None:
        for hook in self._hooks:
            hook.remove()


def progressive_size(size: tuple[int, int], progress: float, divisor: int) -> tuple[int, int] | None:
    """The reduced training size while `progress` (0-1 of the schedule) is in its first half, else None."""
    if progress >= PROGRESSIVE_UNTIL:
        return None
    small = tuple(max(divisor, int(side * PROGRESSIVE_SCALE) // divisor * divisor) for side in size)
    return None if small == tuple(size) else small


def resize_batch(images: torch.Tensor, masks: torch.Tensor, size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (float, antialiased bilinear) and label masks (nearest) at `size`."""
    images = F.interpolate(images.float(), size=size, mode="bilinear", align_corners=False, antialias=True)
    return images, F.interpolate(masks.float(), size=size, mode="nearest")
