"""Errors a user can cause and fix; the CLI prints them as one line and exits with status 1."""

from __future__ import annotations

from contextvars import ContextVar, Token


MAX_MESSAGE = 400  # characters: an error is one short line, even when it quotes a user's huge value


def one_line(text: object, limit: int = MAX_MESSAGE) -> str:
    """The first line of `text`, cut to `limit` characters (with an ellipsis when cut)."""
    lines = str(text).strip().splitlines()
    # a file name that is not UTF-8 arrives as lone surrogates, which no terminal encoding can print
    first = (lines[0] if lines else "").encode("utf-8", "backslashreplace").decode("utf-8")
    return first if len(first) <= limit else first[: limit - 3] + "..."


class LitemedsegError(Exception):
    """Base of every error caused by user input (files, configs, weights, arguments)."""


class UnknownModelError(LitemedsegError, ValueError):
    """A model name that is not registered."""


class DataError(LitemedsegError):
    """A missing, unreadable, corrupt or inconsistent image, mask or dataset folder."""


class ConfigError(LitemedsegError, ValueError):
    """A bad configuration value."""


class WeightsError(LitemedsegError):
    """A weights file that is missing, unsafe, corrupt or belongs to another model."""


class TrainingDivergedError(LitemedsegError):
    """Training produced a non-finite loss or non-finite weights."""


class OutputError(LitemedsegError):
    """An output that cannot be written (full disk, no permission) or a folder that must not be replaced."""


# The --flags of the command now running (set by the CLI); None from Python, where every hint is kept.
_COMMAND_FLAGS: ContextVar[frozenset[str] | None] = ContextVar("litemedseg_command_flags", default=None)


def set_command_flags(flags: frozenset[str] | None) -> Token:
    """Say which --flags the running command takes, so that hints in errors name only those (the CLI)."""
    return _COMMAND_FLAGS.set(flags)


def reset_command_flags(token: Token) -> None:
    _COMMAND_FLAGS.reset(token)


def hints(*advice: tuple[str, str]) -> str:
    """"; "-joined advice texts whose flag the running command takes, e.g. hints(("--mask-threshold", "pass
    --mask-threshold 127 for JPEG masks")); an empty string when none applies."""
    flags = _COMMAND_FLAGS.get()
    return "; ".join(text for flag, text in advice if flags is None or flag in flags)
