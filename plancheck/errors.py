"""Exceptions for when plancheck cannot go on at all (the CLI turns them into exit code 2).

Everything wrong *inside* a drawing that still lets the run go on is a drawing finding instead.
"""


class PlancheckError(Exception):
    """Base class: the run cannot proceed; the message is one clear line for the user."""


class DrawingReadError(PlancheckError):
    """The drawing file cannot be read (not a DXF, truncated beyond recovery, DWG...)."""


class UnitsError(PlancheckError):
    """The drawing's unit cannot be decided; the user must pass --units."""


class ContextError(PlancheckError):
    """The context file or layer map is malformed."""


class RulesetError(PlancheckError):
    """A ruleset does not load or does not validate."""
