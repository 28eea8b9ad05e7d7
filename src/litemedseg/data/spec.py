"""How images enter the network: one record, read by training, prediction, export and the torch-free runtime.

Nothing here imports PyTorch or numpy: the ONNX Runtime path (litemedseg.runtime) reads the same record as the
PyTorch predictor, so both resize, normalise, tile and flip an image the same way (docs/protocol.md, section 2).
The torch normalisation of a batch lives with the batch code (litemedseg.data.loader.normalize_batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

INPUT_MODES = ("resize", "patch")
# Until the training set's statistics are known (and for decoding at native resolution) images are normalised
# with these; training replaces them with the train split's per-channel mean and std.
NEUTRAL_MEAN, NEUTRAL_STD = 0.5, 0.25
# Test-time augmentation: the identity and the three flips; the logits of all four are averaged.
TTA_FLIPS: tuple[tuple[int, ...], ...] = ((), (-1,), (-2,), (-2, -1))


@dataclass(frozen=True)
class SlidingWindow:
    """The predictor's sliding window for input mode "patch": MONAI's defaults except the overlap."""

    overlap: float = 0.25
    mode: str = "gaussian"
    sigma_scale: float = 0.125
    sw_batch_size: int = 8

    def to_dict(self) -> dict[str, Any]:
        return {"overlap": self.overlap, "mode": self.mode, "sigma_scale": self.sigma_scale,
                "sw_batch_size": self.sw_batch_size}


SLIDING_WINDOW = SlidingWindow()


@dataclass(frozen=True)
class InputSpec:
    """How images enter the network; saved with every checkpoint and export so prediction repeats it exactly.

    mode "resize": every image is resized to `size` (H, W) for training and prediction; logits are resized back.
    mode "patch": images are rescaled by `scale` (1.0 = native), trained on random `size` crops and predicted
    with a sliding window (SLIDING_WINDOW) of that size.
    `mean`/`std` (one per channel, on the 0-1 scale) default to the neutral 0.5 / 0.25.
    """

    mode: str = "resize"
    size: tuple[int, int] = (256, 256)
    scale: float = 1.0
    in_channels: int = 3
    mean: tuple[float, ...] = field(default=())
    std: tuple[float, ...] = field(default=())

    def __post_init__(self) -> None:
        # coerce what JSON gives back (lists, ints) so a round trip compares equal
        object.__setattr__(self, "size", tuple(int(side) for side in self.size))
        object.__setattr__(self, "scale", float(self.scale))
        object.__setattr__(self, "in_channels", int(self.in_channels))
        object.__setattr__(self, "mean", tuple(float(v) for v in self.mean) or (NEUTRAL_MEAN,) * self.in_channels)
        object.__setattr__(self, "std", tuple(float(v) for v in self.std) or (NEUTRAL_STD,) * self.in_channels)
        if self.mode not in INPUT_MODES:
            raise ValueError(f"input mode must be one of {INPUT_MODES}, got {self.mode!r}")
        if len(self.size) != 2 or min(self.size) < 8:
            raise ValueError(f"input size must be two sides >= 8, got {self.size}")
        if not 0.05 <= self.scale <= 4:
            raise ValueError(f"input scale must be in [0.05, 4], got {self.scale}")
        if self.in_channels not in (1, 3):
            raise ValueError(f"input channels must be 1 or 3, got {self.in_channels}")
        if len(self.mean) != self.in_channels or len(self.std) != self.in_channels or min(self.std) <= 0:
            raise ValueError(f"mean/std need one value per channel ({self.in_channels} channels, std > 0), "
                             f"got {self.mean}, {self.std}")

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "size": list(self.size), "scale": self.scale, "in_channels": self.in_channels,
                "mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputSpec:
        """The spec a checkpoint or export recorded; ValueError (or KeyError/TypeError) when it is malformed."""
        return cls(str(data["mode"]), tuple(data["size"]), data.get("scale", 1.0), data["in_channels"],
                   tuple(data["mean"]), tuple(data["std"]))

    @classmethod
    def native(cls, in_channels: int) -> InputSpec:
        """Decode at the original resolution, unnormalised statistics (evaluation scores there)."""
        return cls(mode="patch", size=(16, 16), scale=1.0, in_channels=in_channels)

    def with_statistics(self, mean: Sequence[float], std: Sequence[float]) -> InputSpec:
        return InputSpec(self.mode, self.size, self.scale, self.in_channels, tuple(mean), tuple(std))

    def network_size(self, original: tuple[int, int]) -> tuple[int, int]:
        """The (H, W) the network sees (and the training cache holds) for an image of `original` (H, W)."""
        if self.mode == "resize":
            return self.size
        return max(1, round(original[0] * self.scale)), max(1, round(original[1] * self.scale))
