"""Uses dynamic-code."""

def evaluate(expr):
    return eval(expr)
