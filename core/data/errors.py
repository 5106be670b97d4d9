"""The one error type of the data package: every unreadable or unavailable dataset raises it."""
from __future__ import annotations


class DatasetError(ValueError):
    """One error type for every unreadable dataset; the message names the file and the problem."""
