"""Uses fs-write."""

import os


def remove(path):
    os.remove(path)
