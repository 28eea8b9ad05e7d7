"""The parameters-vs-score plot: binary and multi-class on separate axes, error bars, every point named."""

import litemedseg.report.plots as plots
from litemedseg.report.plots import Point, params_vs_score


def test_binary_and_multiclass_on_separate_axes_with_error_bars(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(plots, "save_figure", lambda figure, path: drawn.setdefault("figure", figure) and path)
    points = [Point("mininet · PH2/test", 37_681, 0.91, "per_image_dice", (0.88, 0.94)),
              Point("unet · PH2/test", 1_625_420, 0.90, "per_image_dice", (0.86, 0.93)),
              Point("med2dsegnet · ACDC_2D/test", 2_077_652, 0.69, "mean_class_dice", (0.66, 0.72), True),
              Point("mininet · DRIVE/test", 37_681, 0.80, "pooled_dice")]
    params_vs_score(points, tmp_path / "p.png")
    binary, multiclass = drawn["figure"].axes
    assert "binary" in binary.get_title() and "multi-class" in multiclass.get_title()
    assert sorted(t.get_text() for t in binary.texts) == ["mininet · DRIVE/test", "mininet · PH2/test",
                                                          "unet · PH2/test"]
    assert [t.get_text() for t in multiclass.texts] == ["med2dsegnet · ACDC_2D/test"]
    bars = [c for c in binary.containers if c.has_yerr]
    assert len(bars) == 2  # the pooled (vessel) headline has no per-image interval, so no bar
    segment = bars[0].lines[2][0].get_segments()[0]
    assert [round(y, 2) for _, y in segment] == [0.88, 0.94]
