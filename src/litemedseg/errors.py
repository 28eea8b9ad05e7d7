"""Errors a user can cause and fix; the CLI prints them as one line and exits with status 1."""

from __future__ import annotations


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
