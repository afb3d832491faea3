"""Consortium: joint vehicle purchasing for a consortium of cities."""

__version__ = "0.1.0"
