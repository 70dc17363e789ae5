"""The two kinds of failure shipshape reports.

`PropertyFailed` is a verdict about the image under test: it becomes a red
property item whose message names the property, expected vs actual, and the
relevant log tail. `ConfigError` is bad input (manifest, paths, no engine):
it stops the run with one line, never a traceback.
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
