"""Pure functions only."""


def add(a, b):
    return a + b
