"""`litemedseg info`: registered models with parameter counts and MACs."""

from __future__ import annotations

import click


@click.command("info")
@click.option("--size", default=256, show_default=True, help="Input side for the MACs count (3 x SIZE x SIZE).")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (as in docs/models.md).")
@click.option("--pattern", default="*", show_default=True, help="Only models whose name matches this pattern.")
def command(size: int, markdown: bool, pattern: str) -> None:
    """List models with parameters and MACs (multiply-accumulates) at 3 x SIZE x SIZE, 1 output class."""
    from litemedseg.models.summary import model_table

    rows = model_table(size, pattern)
    headers = ["model", "family", "params", "paper target", "vs target", f"GMACs @ {size}", "size rule", "description"]
    table = [
        [r["name"], r["family"], f"{r['params']:,}", f"{r['paper_params']:,}" if r["paper_params"] else "-",
         f"{r['deviation']:+.2%}" if r["paper_params"] else "-", f"{r['macs'] / 1e9:.3f}",
         f"multiple of {r['size_divisor']}", r["description"]]
        for r in rows
    ]
    if markdown:
        click.echo("| " + " | ".join(headers) + " |")
        click.echo("|" + "---|" * len(headers))
        for row in table:
            click.echo("| " + " | ".join(row) + " |")
        return
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers[:-1])]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)) + "  " + headers[-1])
    for row in table:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    click.echo("MACs: multiply-accumulates of one forward pass, measured with torch.utils.flop_counter (FLOPs / 2).")
    from litemedseg.models import get_model_entry

    defaults = {row["name"]: _flatten(get_model_entry(row["name"]).training_defaults) for row in rows}
    listed = [f"{name} {', '.join(f'{k}={v}' for k, v in flat.items())}" for name, flat in defaults.items() if flat]
    if listed:
        click.echo(f"training defaults (where a config sets nothing): {'; '.join(listed)}")
    from litemedseg.models.pretrained import list_pretrained

    shipped = list_pretrained()
    if shipped:
        click.echo(f"shipped weights (--weights or --init NAME; details: litemedseg weights): {', '.join(shipped)}")


def _flatten(settings, prefix: str = "") -> dict[str, object]:
    """{"recipe": {"deep_supervision": True}} -> {"recipe.deep_supervision": True}: the config's dotted keys."""
    flat: dict[str, object] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
