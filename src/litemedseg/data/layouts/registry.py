"""Layouts by name, detection of the layout of a folder, and conversion by name or by detection."""

from __future__ import annotations

import shlex
from pathlib import Path

from litemedseg.data.layouts.base import ConversionReport, Layout, subdirs
from litemedseg.errors import ConfigError, DataError

LAYOUTS: dict[str, Layout] = {}


def register_layout(cls: type[Layout]) -> type[Layout]:
    """Class decorator: make a layout available by its `name`. Detection tries layouts by their `priority`
    (lowest first), never by import order."""
    if cls.name in LAYOUTS:
        raise ValueError(f"layout {cls.name!r} is registered twice")
    ordered = sorted([*LAYOUTS.values(), cls()], key=lambda layout: (layout.priority, layout.name))
    LAYOUTS.clear()
    LAYOUTS.update((layout.name, layout) for layout in ordered)
    return cls


def layout_names() -> list[str]:
    return list(LAYOUTS)


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def get_layout(name: str) -> Layout:
    """The layout called `name` (case, '_' and '-' ignored); a ConfigError listing the names otherwise."""
    keys = {_key(n): layout for n, layout in LAYOUTS.items()}
    if _key(name) not in keys:
        raise ConfigError(f"unknown layout {name!r} (known: {', '.join(LAYOUTS)})")
    return keys[_key(name)]


def _matches(root: Path) -> list[Layout]:
    matches = []
    for layout in LAYOUTS.values():
        try:
            if layout.detect(root):
                matches.append(layout)
        except (OSError, DataError):
            continue  # an unreadable or self-contradictory folder is not taken for that layout
    return matches


def resolve_root(root: str | Path) -> tuple[Path, Layout | None]:
    """The folder holding an official layout and that layout: `root` itself, or its only sub-folder (an unzipped
    archive usually adds one level, e.g. Kvasir-SEG/ or Dataset_BUSI_with_GT/)."""
    root = Path(root).expanduser()
    matches = _matches(root) if root.is_dir() else []
    if not matches and root.is_dir():
        children = subdirs(root)
        if len(children) == 1:
            inner = _matches(children[0])
            if inner:
                return children[0], inner[0]
    return root, (matches[0] if matches else None)


def detect_layout(root: str | Path) -> str | None:
    """The name of the official layout found in `root` (or its only sub-folder), None when nothing matches."""
    layout = resolve_root(root)[1]
    return layout.name if layout else None


def convert_command(root: str | Path) -> str:
    """The command line that converts `root` into a sibling folder (for hints in error messages)."""
    root = Path(root)
    output = root.with_name(f"{root.name}-converted") if root.name else Path("converted")
    return f"litemedseg convert --input {shlex.quote(str(root))} --output {shlex.quote(str(output))}"


def convert_dataset(
    source: str | Path, output: str | Path, layout: str | None = None, **options: object
) -> ConversionReport:
    """Convert the official layout in `source` (named, or detected when `layout` is None) into `output`."""
    source = Path(source).expanduser()
    if not source.exists():
        raise DataError(f"{source}: input folder not found")
    if not source.is_dir():
        raise DataError(f"{source}: not a folder")
    masks_dir, mask_suffix = options.pop("masks_dir", None), options.pop("mask_suffix", None)
    if masks_dir is not None or mask_suffix is not None or (layout is not None and _key(layout) == "folder"):
        if layout is not None and _key(layout) != "folder":
            raise ConfigError(f"--masks-dir and --mask-suffix describe your own folder; the {layout!r} layout "
                              "knows where its masks are (leave them out, or use --layout folder)")
        from litemedseg.data.layouts.folder import UserFolder

        return UserFolder(masks_dir, mask_suffix).convert(source, output, **options)
    if layout is not None:
        chosen = get_layout(layout)
        root = source
        if not chosen.detect(source):
            inner, found = resolve_root(source)
            root = inner if found is chosen else source
        return chosen.convert(root, output, **options)
    root, found = resolve_root(source)
    if found is None:
        raise DataError(f"{source}: no known official layout found (known: {', '.join(LAYOUTS)}; see docs/data.md)"
                        " - pass --layout NAME to force one")
    return found.convert(root, output, **options)
