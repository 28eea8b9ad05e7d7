"""Errors a user can cause and fix; the CLI prints them as one line and exits with status 1."""

from __future__ import annotations


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
