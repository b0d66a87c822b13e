"""Uses native."""

import ctypes


def libc():
    return ctypes.CDLL(None)
