"""permpip: a permission model for Python dependencies, enforced at install time.

The import package is ``gate``; each pipeline stage is one module:
cli -> policy -> resolve -> fetch -> scan -> evaluate -> install -> report.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
