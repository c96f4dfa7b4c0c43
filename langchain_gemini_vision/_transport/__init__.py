"""Everything between a task's request and Gemini's answer: both APIs, both transports.

:mod:`.base` holds the request and response models and the ``Transport`` protocol the
client calls; :mod:`.lean` and :mod:`.sdk` are the two transports; :mod:`.payloads`
builds bodies and reads answers; :mod:`.files` is the Files API cache; :mod:`.retry`
the one retry policy; :mod:`.errors` the one place failures are typed.
"""
