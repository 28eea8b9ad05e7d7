"""run/pictures/: what the network is fed and what it predicts, drawn at the start and at each new best epoch."""

import numpy as np
from PIL import Image

from litemedseg.engine.pictures import foreground_shares


def test_a_run_draws_its_batch_class_shares_and_best_validation(demo_run):
    folder = demo_run.run_dir / "pictures"
    assert sorted(p.name for p in folder.iterdir()) == ["foreground_share.png", "train_batch.png", "val_best.png"]
    batch = np.asarray(Image.open(folder / "train_batch.png"))
    assert batch.ndim == 3 and batch.shape[0] >= 96 and batch.std() > 0  # a 96 px batch, not a blank sheet
    best = np.asarray(Image.open(folder / "val_best.png"))
    assert best.shape[1] > 3 * 100  # image | label | prediction side by side


def test_class_shares_reveal_a_mask_read_the_wrong_way_round():
    normal = [np.array([[0, 0, 0, 1]], np.uint8)]
    assert foreground_shares(normal, 1) == [0.75, 0.25]
    inverted = [1 - normal[0]]
    assert foreground_shares(inverted, 1) == [0.25, 0.75]
    assert foreground_shares([np.array([[0, 2, 2, 1]])], 3) == [0.25, 0.25, 0.5]
