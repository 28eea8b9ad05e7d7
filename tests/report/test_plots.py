"""The parameters-vs-score plot: binary and multi-class on separate axes, error bars, every point named."""

import litemedseg.report.plots as plots
from litemedseg.report.plots import Point, params_vs_score


def test_each_headline_metric_on_its_own_axes_with_error_bars(tmp_path, monkeypatch):
    """Per-image Dice, pooled Dice and mean class Dice are different numbers: one panel each."""
    drawn = {}
    monkeypatch.setattr(plots, "save_figure", lambda figure, path: drawn.setdefault("figure", figure) and path)
    points = [Point("mininet · PH2/test", 37_681, 0.91, "per_image_dice", (0.88, 0.94)),
              Point("unet · PH2/test", 1_625_420, 0.90, "per_image_dice", (0.86, 0.93)),
              Point("med2dsegnet · ACDC_2D/test", 2_077_652, 0.69, "mean_class_dice", (0.66, 0.72), True),
              Point("mininet · DRIVE/test", 37_681, 0.80, "pooled_dice")]
    params_vs_score(points, tmp_path / "p.png")
    classes, per_image, pooled = drawn["figure"].axes
    assert "mean_class_dice" in classes.get_title() and "per_image_dice" in per_image.get_title()
    assert "pooled_dice" in pooled.get_title()
    assert sorted(t.get_text() for t in per_image.texts) == ["mininet · PH2/test", "unet · PH2/test"]
    assert [t.get_text() for t in pooled.texts] == ["mininet · DRIVE/test"]
    assert [t.get_text() for t in classes.texts] == ["med2dsegnet · ACDC_2D/test"]
    assert not [c for c in pooled.containers if c.has_yerr]  # a pooled headline has no per-image interval
    bars = [c for c in per_image.containers if c.has_yerr]
    assert len(bars) == 2
    segment = bars[0].lines[2][0].get_segments()[0]
    assert [round(y, 2) for _, y in segment] == [0.88, 0.94]


def test_labels_of_points_at_one_spot_are_stacked_apart(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(plots, "save_figure", lambda figure, path: drawn.setdefault("figure", figure) and path)
    points = [Point(f"med2dsegnet {kind} · Kvasir/test", 2_077_652, 0.74, "per_image_dice") for kind in "abc"]
    params_vs_score(points, tmp_path / "p.png")
    offsets = [text.xyann[1] for text in drawn["figure"].axes[0].texts]
    assert len(set(offsets)) == 3  # three labels, three heights
