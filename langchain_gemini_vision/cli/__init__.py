"""The ``gemini-vision`` command line: caption, compare, detect, segment, ask and demo."""

from langchain_gemini_vision.cli.app import app, main

__all__ = ["app", "main"]
