"""Uses fs-read."""

import os


def entries(path):
    return os.listdir(path)
