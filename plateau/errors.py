"""The two kinds of error (CONTRIBUTING.md, habit 7).

`UserError` and its kin carry a sentence for the screen or the command line; anything else
is a bug: logged with its traceback, shown as a calm "ask staff" / "unexpected error".
"""

from __future__ import annotations


class UserError(Exception):
    """An error meant for a person: its text is shown as is, without a traceback."""


def user_facing() -> tuple[type[BaseException], ...]:
    """Every exception class whose message is written for a person."""
    from plateau.config import ConfigError
    from plateau.db.engine import ReplicaError
    from plateau.db.queries import NotConfigured
    from plateau.domain.clock import ClockError
    from plateau.domain.money import AmountError
    from plateau.domain.policy import PolicyError
    from plateau.domain.uid import UidError

    return (UserError, ConfigError, ReplicaError, ClockError, NotConfigured, AmountError,
            PolicyError, UidError, FileNotFoundError, PermissionError)
