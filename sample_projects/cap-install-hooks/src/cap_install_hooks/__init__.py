"""Runs setup.py at install."""
