"""Side-by-side performance figures of langchain-gemini-vision (see README.md).

``python -m benchmarks`` runs them all against the local emulator on loopback and
writes ``benchmarks/results.json``; ``--smoke`` runs them with tiny sizes.
"""
