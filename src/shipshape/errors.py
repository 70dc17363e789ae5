"""The kinds of failure shipshape reports.

`PropertyFailed` is a verdict about the image under test: it becomes a red
property item whose message names the property, expected vs actual, and the
relevant log tail. `ConfigError` is bad input (manifest, paths, no engine):
it stops the run with one line, never a traceback. `NotChecked` is a counted
skip, only for a cause outside the image (no network, no emulator) or a named
prerequisite that failed. `HarnessError` is the harness itself failing (a
tool missing or crashing, the engine lost): neither a verdict nor a skip.
"""


class PropertyFailed(AssertionError):
    """The image does not have the property; the message says why."""


class ConfigError(Exception):
    """Bad input: the message is one line that names the file and the problem."""


class NotChecked(Exception):
    """A property could not be checked because something it needs failed first.

    The item is reported as a skip whose reason the report counts and
    prints; the failure that caused it is red on its own item.
    """


class HarnessError(Exception):
    """The harness or its environment failed (a tool missing or crashing, the engine lost).

    Neither a verdict about the image nor a skip: it is reported as an
    error, and the message says what failed and its own output's tail.
    """
