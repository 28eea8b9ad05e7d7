"""Entry point and error policy: user errors are one line on stderr and exit 1; usage errors exit 2."""

from __future__ import annotations

import os
import sys
import warnings

import click

from litemedseg import __version__
from litemedseg.errors import LitemedsegError, one_line, reset_command_flags, set_command_flags

EXIT_USER_ERROR = 1
EXIT_INTERNAL_ERROR = 3
SUBCOMMANDS = {
    # name: module under litemedseg.cli (imported lazily so `--help` and `info` stay fast)
    "info": "info",
    "weights": "weights",
    "train": "train",
    "evaluate": "evaluate",
    "predict": "predict",
    "export": "export",
    "explain": "explain",
    "report": "report",
    "convert": "convert",
    "serve": "serve",
}


def _warning_line(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001
    sys.stderr.write(f"warning: {message}\n")


class LitemedsegCLI(click.Group):
    """Loads subcommands on demand and turns exceptions into one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        import importlib

        return importlib.import_module(f"litemedseg.cli.{SUBCOMMANDS[name]}").command

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        from litemedseg.data.io import reset_notes

        debug = bool(os.environ.get("LITEMEDSEG_DEBUG"))
        if not debug:
            warnings.showwarning = _warning_line
        reset_notes()
        token = set_command_flags(_flags_of(self, ctx))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except LitemedsegError as err:
            if debug:
                raise
            click.echo(f"error: {one_line(err)}", err=True)
            ctx.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except MemoryError:
            click.echo("error: out of memory (try a smaller --batch-size or input size)", err=True)
            ctx.exit(EXIT_USER_ERROR)
        except OSError as err:
            if debug:
                raise
            where = f"{err.filename}: " if getattr(err, "filename", None) else ""
            click.echo(f"error: {one_line(f'{where}{err.strerror or err}')}", err=True)
            ctx.exit(EXIT_USER_ERROR)
        except Exception as err:  # noqa: BLE001  (last resort: still one line, never a traceback)
            if debug:
                raise
            first = one_line(err, 200)
            click.echo(f"internal error: {type(err).__name__}: {first} (set LITEMEDSEG_DEBUG=1 for the traceback; "
                       "please report it)", err=True)
            ctx.exit(EXIT_INTERNAL_ERROR)
        finally:
            reset_command_flags(token)


def _flags_of(group: click.Group, ctx: click.Context) -> frozenset[str] | None:
    """The --flags of the subcommand about to run, so that hints in errors name only those."""
    args = [*getattr(ctx, "_protected_args", []), *ctx.args]
    command = group.get_command(ctx, args[0]) if args else None
    return None if command is None else command_flags(command)


def command_flags(command: click.Command) -> frozenset[str]:
    """Every --flag a command takes (its options and their --no- forms), and --help."""
    flags = {"--help"}
    for param in command.params:
        flags.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
    return frozenset(flags)


@click.group(cls=LitemedsegCLI, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="litemedseg")
def main() -> None:
    """Lightweight 2D medical image segmentation: train, evaluate, predict, export, explain, serve."""


if __name__ == "__main__":
    main()
