"""Uses introspection."""

import sys


def caller():
    return sys._getframe(1)
