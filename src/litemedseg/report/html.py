"""The report's single HTML page: summary table, plots and galleries (images referenced by relative path)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from litemedseg.report.loading import Evaluation
from litemedseg.viz import CLASS_COLOURS
from litemedseg.viz.overlay import FN, FP, TP

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f2f2f2; } td.text { text-align: left; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.4em 0; }
.swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin: 0 0.3em 0 1em; }
.note { color: #a04000; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figcaption { font-size: 0.85em; color: #555; }
"""


RESEARCH_ONLY = "Research use only, not a medical device: no score here supports a clinical decision."


@dataclass
class EvaluationSection:
    evaluation: Evaluation
    params: int | None
    params_source: str
    galleries: dict[str, str] = field(default_factory=dict)  # kind -> relative path


def _stat(summary: dict, metric: str) -> str:
    stats = summary.get("per_image", {}).get(metric)
    if not stats or stats.get("n", 1) == 0 or not math.isfinite(float(stats["mean"])):
        return "n/a"
    return f"{stats['mean']:.4f} ± {stats['std']:.4f}"


def _params(params: int | None) -> str:
    return "n/a" if params is None else f"{params:,}"


def _row(section: EvaluationSection) -> str:
    e, s = section.evaluation, section.evaluation.summary
    metric, value = e.headline
    if e.multiclass:
        classes = ", ".join(f"{name} {v:.3f}" for name, v in e.class_scores("dice").items())
        cells = [f"{s.get('mean_dice', math.nan):.4f}", f"{s.get('mean_iou', math.nan):.4f}",
                 "n/a", "n/a", "n/a", "n/a", "n/a"]
    else:
        classes = ""
        hd = s.get("hd95")
        hd_text = "n/a" if not hd or not hd.get("n") else f"{hd['mean']:.2f} ± {hd['std']:.2f}"
        cells = [_stat(s, m) for m in ("dice", "iou", "precision", "recall", "specificity", "accuracy")] + [hd_text]
    params = _params(section.params) + ("" if section.params_source == "checkpoint" or section.params is None
                                        else " (default configuration)")
    split_hash = s.get("trained_split_sha256")
    trained = f"{s.get('trained_on') or '?'} (split {split_hash})" if split_hash else f"{s.get('trained_on') or '?'}"
    overlap = s.get("overlap") or {}
    zero = "yes" if s.get("zero_shot") else "no"
    if not overlap.get("checked"):
        zero += " (overlap unchecked)"
    elif overlap.get("images_seen_in_training"):
        zero += f" ({overlap['images_seen_in_training']} images seen in training)"
    text = [e.label, e.model, params, e.dataset_name, e.split, trained, zero, str(s.get("num_images", "?")),
            f"{metric} = {value:.4f}"]
    tail = [classes, str(s.get("weights_sha256", ""))[:12], str(e.path)]
    return ("<tr>" + "".join(f'<td class="text">{escape(t)}</td>' for t in text[:2])
            + "".join(f"<td>{escape(t)}</td>" for t in text[2:3])
            + "".join(f'<td class="text">{escape(t)}</td>' for t in text[3:7])
            + "".join(f"<td>{escape(t)}</td>" for t in text[7:] + cells)
            + "".join(f'<td class="text">{escape(t)}</td>' for t in tail) + "</tr>")


HEADER = ["evaluation", "model", "parameters", "dataset", "split", "trained on", "zero-shot", "images", "headline", "Dice", "IoU",
          "precision", "recall", "specificity", "accuracy", "HD95 (px)", "per-class Dice", "weights sha256",
          "folder"]


def legend(multiclass_names: Sequence[str]) -> str:
    """Colour legend of the error overlays (and of the class colours, when a multi-class evaluation is shown)."""
    def swatch(rgb: Sequence[int], text: str) -> str:
        return f'<span class="swatch" style="background: rgb{tuple(int(v) for v in rgb)}"></span>{escape(text)}'

    parts = [swatch(TP, "true positive (correct foreground)"), swatch(FP, "false positive (false alarm)"),
             swatch(FN, "false negative (missed)")]
    line = "<p>Binary galleries: image | error overlay." + "".join(parts) + "</p>"
    if multiclass_names:
        classes = "".join(swatch(CLASS_COLOURS[c % len(CLASS_COLOURS)], name)
                          for c, name in enumerate(multiclass_names) if c > 0)
        line += "<p>Multi-class galleries: image | predicted classes | ground truth." + classes + "</p>"
    return line


def render_index(
    sections: Sequence[EvaluationSection], plots: Sequence[tuple[str, str]], notes: Sequence[str], version: str
) -> str:
    """index.html text; `plots` are (relative path, caption) pairs."""
    multiclass_names = next((s.evaluation.class_names for s in sections if s.evaluation.multiclass), [])
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>litemedseg report</title>", f"<style>{STYLE}</style></head><body>",
           "<h1>litemedseg report</h1>",
           f'<p class="note">{escape(RESEARCH_ONLY)}</p>',
           f"<p>{len(sections)} evaluation(s); made by litemedseg {escape(version)}. Scores are per-image means ± "
           "standard deviation unless the headline says pooled.</p>"]
    out += [f'<p class="note">{escape(n)}</p>' for n in notes]
    out += ["<h2>Summary</h2>", "<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in HEADER) + "</tr>"]
    out += [_row(s) for s in sections]
    out += ["</table>", "<h2>Plots</h2>"]
    out += [f'<figure><img src="{escape(src)}" alt="{escape(caption)}"><figcaption>{escape(caption)}</figcaption>'
            "</figure>" for src, caption in plots]
    out += ["<h2>Galleries</h2>", legend(multiclass_names)]
    for section in sections:
        e = section.evaluation
        out.append(f"<h3>{escape(e.label)}</h3>")
        out += [f'<p class="note">{escape(n)}</p>' for n in e.notes]
        for kind, src in section.galleries.items():
            out.append(f'<figure><img src="{escape(src)}" alt="{escape(kind)} images of {escape(e.label)}">'
                       f"<figcaption>{escape(kind)} images by {'mean ' if e.multiclass else ''}Dice</figcaption>"
                       "</figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
