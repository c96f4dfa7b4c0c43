"""The vision tasks: each builds a request and reads the answer; none does I/O of its own."""

from . import ask, caption, compare, detect, segment

__all__ = ["ask", "caption", "compare", "detect", "segment"]
