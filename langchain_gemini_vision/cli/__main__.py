"""``python -m langchain_gemini_vision.cli``: the same as ``gemini-vision``."""

from langchain_gemini_vision.cli.app import main

main()
