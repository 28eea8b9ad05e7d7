"""What a training run writes as it goes: one metrics.csv row per epoch, and TensorBoard scalars."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from litemedseg.utils.atomic import atomic_open

HISTORY_FILE = "metrics.csv"
HISTORY_FIELDS = ("epoch", "train_loss", "val_score", "lr", "epoch_time_s", "best_score", "best_epoch",
                  "epoch_cpu_s")


class RunLog:
    """The per-epoch log of a run folder; a no-op on every process but the main one (`enabled`)."""

    def __init__(self, run_dir: Path, headline: str, *, tensorboard: bool, enabled: bool = True) -> None:
        self.path = run_dir / HISTORY_FILE
        self.headline = headline
        self.enabled = enabled
        self.tensorboard_dir = run_dir / "tensorboard" if tensorboard and enabled else None
        self.writer = None  # opened with the first row, so a refused resume leaves no event file

    def _open_writer(self) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            self.tensorboard_dir = None
            return
        self.writer = SummaryWriter(str(self.tensorboard_dir))

    def rewrite(self, history: list[dict[str, Any]]) -> None:
        """After a crash the CSV may hold a row whose checkpoint never landed; the saved state is the truth."""
        if not self.enabled:
            return
        with atomic_open(self.path, "w") as handle:
            out = csv.DictWriter(handle, fieldnames=HISTORY_FIELDS)
            out.writeheader()
            out.writerows(history)

    def append(self, row: dict[str, Any]) -> None:
        if not self.enabled:
            return
        new = not self.path.exists()
        with open(self.path, "a", newline="") as handle:  # appended line by line: a crash loses at most one row
            out = csv.DictWriter(handle, fieldnames=HISTORY_FIELDS)
            if new:
                out.writeheader()
            out.writerow(row)
        if self.writer is None and self.tensorboard_dir is not None:
            self._open_writer()
        if self.writer is not None:
            self.writer.add_scalar("loss/train", row["train_loss"], row["epoch"])
            if not math.isnan(row["val_score"]):
                self.writer.add_scalar(f"val/{self.headline}", row["val_score"], row["epoch"])
            self.writer.add_scalar("lr", row["lr"], row["epoch"])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
