"""The report's single HTML page: summary table, plots and galleries (images referenced by relative path)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from litemedseg.report.loading import Evaluation, interval
from litemedseg.viz import CLASS_TABLE
from litemedseg.viz.overlay import FN, FP, TP

RESEARCH_ONLY = "Research use only, not a medical device: no score here supports a clinical decision."
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1240px; padding: 0 1em; color: #222; }
table { border-collapse: collapse; font-size: 0.88em; margin: 1em 0; max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: right; vertical-align: top; }
th { background: #f2f2f2; } td.text, th.text { text-align: left; max-width: 18em; overflow-wrap: anywhere; }
.wide { overflow-x: auto; max-width: 100%; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.4em 0; }
.swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; margin: 0 0.3em 0 1em; }
.note { color: #a04000; }
.ci { color: #555; font-size: 0.9em; white-space: nowrap; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figcaption { font-size: 0.85em; color: #555; }
"""


@dataclass
class EvaluationSection:
    evaluation: Evaluation
    params: int | None
    params_source: str
    galleries: dict[str, str] = field(default_factory=dict)  # kind -> relative path


def _mean_ci(stats: dict | None, digits: int = 4) -> str:
    """HTML of "mean [low, high]" for one summary statistic; n/a when it is missing or empty."""
    if not stats or stats.get("n", 1) == 0 or not math.isfinite(float(stats.get("mean", math.nan))):
        return "n/a"
    text = f"{float(stats['mean']):.{digits}f}"
    ci = interval(stats.get("ci95"))
    if ci:
        text += f' <span class="ci">[{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]</span>'
    return text


def _params(params: int | None) -> str:
    return "n/a" if params is None else f"{params:,}"


def _summary_row(section: EvaluationSection) -> str:
    e, s = section.evaluation, section.evaluation.summary
    metric, value = e.headline
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
    ci = e.headline_ci
    headline = escape(f"{metric} = {value:.4f}") + (
        f' <span class="ci">[{ci[0]:.4f}, {ci[1]:.4f}]</span>' if ci else
        ' <span class="ci">(pooled over all pixels: no per-image interval)</span>')
    texts = [e.label, e.model]
    middle = [f"{e.dataset_name} · {e.split}", trained, zero]
    return ("<tr>" + "".join(f'<td class="text">{escape(t)}</td>' for t in texts) + f"<td>{escape(params)}</td>"
            + "".join(f'<td class="text">{escape(t)}</td>' for t in middle)
            + f"<td>{escape(str(s.get('num_images', '?')))}</td><td>{headline}</td></tr>")


HEADER = ["evaluation", "model", "parameters", "dataset · split", "trained on", "zero-shot", "images",
          "headline [95 % CI where there is one]"]
BINARY_ROWS = [("dice", "Dice"), ("iou", "IoU"), ("precision", "precision"), ("recall", "recall"),
               ("specificity", "specificity"), ("accuracy", "accuracy")]


def metric_table(sections: Sequence[EvaluationSection]) -> str:
    """Metrics as rows and evaluations as columns, each cell the per-image mean [95 % CI]: numbers side by side,
    where a radar chart would make near-1 metrics (specificity, accuracy) look like most of the story."""
    out: list[str] = []
    binary = [s.evaluation for s in sections if not s.evaluation.multiclass]
    if binary:
        head = "".join(f'<th class="text">{escape(e.label)}</th>' for e in binary)
        rows = [(name, [e.summary.get("per_image", {}).get(key) for e in binary]) for key, name in BINARY_ROWS]
        rows.append(("HD95 (px)", [e.summary.get("hd95") for e in binary]))
        body = "".join(f'<tr><td class="text">{escape(name)}</td>'
                       + "".join(f"<td>{_mean_ci(stats, 2 if name.startswith('HD95') else 4)}</td>"
                                 for stats in cells) + "</tr>" for name, cells in rows)
        pooled = "".join(f"<td>{e.summary.get('pooled', {}).get('dice', math.nan):.4f}</td>" for e in binary)
        out.append(f'<div class="wide"><table><tr><th class="text">per-image metric</th>{head}</tr>{body}'
                   f'<tr><td class="text">pooled Dice</td>{pooled}</tr></table></div>')
    multi = [s.evaluation for s in sections if s.evaluation.multiclass]
    if multi:
        head = "".join(f'<th class="text">{escape(e.label)}</th>' for e in multi)
        names = list(dict.fromkeys(n for e in multi for n in e.summary.get("per_class", {})))
        body = "".join(f'<tr><td class="text">Dice {escape(n)}</td>'
                       + "".join(f"<td>{_mean_ci((e.summary['per_class'].get(n) or {}).get('dice'))}</td>"
                                 for e in multi) + "</tr>" for n in names)
        overall = [{"mean": e.summary.get("mean_dice", math.nan), "ci95": e.summary.get("mean_dice_ci95")}
                   for e in multi]
        means = "".join(f"<td>{_mean_ci(stats)}</td>" for stats in overall)
        out.append(f'<div class="wide"><table><tr><th class="text">per-image class Dice</th>{head}</tr>{body}'
                   f'<tr><td class="text">mean over classes</td>{means}</tr></table></div>')
    return "\n".join(out)


def details(section: EvaluationSection) -> str:
    """Weights hash, folder and per-class scores of one evaluation (kept out of the summary table's width)."""
    e, s = section.evaluation, section.evaluation.summary
    parts = [f"weights sha256 {str(s.get('weights_sha256', ''))[:12]}", f"folder {e.path}"]
    if e.multiclass:
        parts.append("per-class Dice " + ", ".join(f"{name} {v:.3f}" for name, v in e.class_scores("dice").items()))
    return f'<p class="details">{escape("; ".join(parts))}</p>'


def legend(multiclass_names: Sequence[str]) -> str:
    """Colour legend of the error overlays (and of the class colours, when a multi-class evaluation is shown)."""
    def swatch(rgb: Sequence[int], text: str) -> str:
        return f'<span class="swatch" style="background: rgb{tuple(int(v) for v in rgb)}"></span>{escape(text)}'

    parts = [swatch(TP, "true positive (correct foreground)"), swatch(FP, "false positive (false alarm)"),
             swatch(FN, "false negative (missed)")]
    line = "<p>Binary galleries: image | error overlay." + "".join(parts) + "</p>"
    if multiclass_names:
        classes = "".join(swatch(CLASS_TABLE[c % 256], name)
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
           f"<p>{len(sections)} evaluation(s); made by litemedseg {escape(version)}. Scores are per-image means "
           "with their 95 % bootstrap confidence interval over images in brackets, unless the headline says "
           "pooled (docs/protocol.md).</p>"]
    out += [f'<p class="note">{escape(n)}</p>' for n in notes]
    out += ["<h2>Summary</h2>", '<div class="wide"><table><tr>' + "".join(f"<th>{escape(h)}</th>" for h in HEADER)
            + "</tr>"]
    out += [_summary_row(s) for s in sections]
    out += ["</table></div>", "<h2>Per-metric scores</h2>", metric_table(sections), "<h2>Plots</h2>"]
    out += [f'<figure><img src="{escape(src)}" alt="{escape(caption)}"><figcaption>{escape(caption)}</figcaption>'
            "</figure>" for src, caption in plots]
    out += ["<h2>Galleries</h2>", legend(multiclass_names)]
    for section in sections:
        e = section.evaluation
        out.append(f"<h3>{escape(e.label)}</h3>")
        out.append(details(section))
        out += [f'<p class="note">{escape(n)}</p>' for n in e.notes]
        for kind, src in section.galleries.items():
            out.append(f'<figure><img src="{escape(src)}" alt="{escape(kind)} images of {escape(e.label)}">'
                       f"<figcaption>{escape(kind)} images by {'mean ' if e.multiclass else ''}Dice</figcaption>"
                       "</figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
