"""Fault and latency injection, and the counters tests read.

Per route (``"interactions"``, ``"generate_content"``, ``"upload"``,
``"files"``, ``"batches"`` or ``"*"`` for all), inject by probability (seeded)
or by a fixed schedule consumed one request at a time::

    emu.faults.inject("interactions", schedule=[503, 429, None])  # then normal
    emu.faults.inject("*", "slow", probability=0.1, delay=0.2)
    emu.faults.inject("generate_content", "drop", times=1)
    emu.faults.clear()

Kinds: an HTTP status (``429`` carries ``Retry-After`` and a ``RetryInfo``
detail; ``500``, ``503`` or any 4xx/5xx), ``"slow"`` (extra delay, then a
normal reply), ``"drop"`` (close the connection without a response) and
``"truncate"`` (send headers with a ``Content-Length``, half the body, close).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = ["Fault", "FaultInjector", "FaultKind", "Route", "Stats"]

Route = Literal[
    "interactions", "generate_content", "embed", "upload", "files", "batches", "other", "*"
]
FaultKind = int | Literal["slow", "drop", "truncate", "429", "500", "503"]

ROUTES: Final[tuple[str, ...]] = (
    "interactions", "generate_content", "embed", "upload", "files", "batches", "other",
)  # fmt: skip


@dataclass(frozen=True)
class Fault:
    """The fault chosen for one request.

    Attributes:
        kind: ``"status"``, ``"slow"``, ``"drop"`` or ``"truncate"``.
        status: The HTTP status for ``"status"`` faults.
        retry_after: Seconds advertised by a 429.
        delay: Extra seconds for ``"slow"``.
    """

    kind: Literal["status", "slow", "drop", "truncate"]
    status: int | None = None
    retry_after: float = 0.01
    delay: float = 0.0

    @property
    def name(self) -> str:
        """``"503"``, ``"slow"``...: the key used in the fault counters."""
        return str(self.status) if self.kind == "status" else self.kind


def _to_fault(kind: FaultKind, retry_after: float, delay: float) -> Fault:
    if isinstance(kind, str) and kind.isdigit():
        kind = int(kind)
    if isinstance(kind, int):
        if not 400 <= kind <= 599:
            msg = f"a status fault must be 4xx or 5xx, got {kind}"
            raise ValueError(msg)
        return Fault("status", status=kind, retry_after=retry_after)
    if kind in ("slow", "drop", "truncate"):
        return Fault(kind, retry_after=retry_after, delay=delay)
    msg = f"unknown fault kind {kind!r}: use a status code, 'slow', 'drop' or 'truncate'"
    raise ValueError(msg)


@dataclass
class _Rule:
    route: str
    fault: Fault | None
    probability: float | None
    schedule: list[Fault | None] | None
    times: int | None


class FaultInjector:
    """Decides, per request, whether and how to misbehave. Thread-safe."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[_Rule] = []
        self._rng = random.Random(seed)  # noqa: S311 - seeded, reproducible faults
        self._lock = threading.Lock()

    def inject(
        self,
        route: Route | str,
        kind: FaultKind | None = None,
        *,
        probability: float | None = None,
        schedule: list[FaultKind | None] | None = None,
        times: int | None = None,
        retry_after: float = 0.01,
        delay: float = 0.5,
    ) -> None:
        """Add a rule. Rules are tried in order; the first that fires wins.

        Args:
            route: The route it applies to, or ``"*"``.
            kind: The fault (for ``probability`` or ``times`` rules).
            probability: Chance per request (seeded RNG), 0-1.
            schedule: Faults (or ``None`` for a normal reply) for the next
                requests, in order; the rule ends when it is used up.
            times: Fire on the next ``times`` requests (with ``kind``); with
                ``probability``, at most ``times`` times.
            retry_after: Seconds a 429 advertises (``Retry-After`` and ``RetryInfo``).
            delay: Extra seconds of a ``"slow"`` fault.

        Raises:
            ValueError: Unknown route or kind, or neither/both of kind and schedule.
        """
        if route != "*" and route not in ROUTES:
            msg = f"unknown route {route!r}: use one of {', '.join(ROUTES)} or '*'"
            raise ValueError(msg)
        if schedule is not None and (kind is not None or probability is not None):
            msg = "give either a schedule, or a kind with probability/times"
            raise ValueError(msg)
        if schedule is None and kind is None:
            msg = "give a fault kind (or a schedule)"
            raise ValueError(msg)
        if schedule is None and probability is None and times is None:
            probability = 1.0
        if probability is not None and not 0.0 <= probability <= 1.0:
            msg = f"probability must be within 0-1, got {probability}"
            raise ValueError(msg)
        rule = _Rule(
            route=route,
            fault=_to_fault(kind, retry_after, delay) if kind is not None else None,
            probability=probability,
            schedule=(
                [None if k is None else _to_fault(k, retry_after, delay) for k in schedule]
                if schedule is not None
                else None
            ),
            times=times,
        )
        with self._lock:
            self._rules.append(rule)

    def clear(self, route: Route | str | None = None) -> None:
        """Remove every rule, or those of one route."""
        with self._lock:
            self._rules = [r for r in self._rules if route is not None and r.route != route]

    @property
    def active(self) -> bool:
        """Whether any rule is left."""
        return bool(self._rules)

    def decide(self, route: str) -> Fault | None:
        """The fault for the next request on ``route`` (consumes schedules)."""
        with self._lock:
            for rule in list(self._rules):
                if rule.route not in ("*", route):
                    continue
                fault = self._fire(rule)
                if fault is not None:
                    return fault
            return None

    def _fire(self, rule: _Rule) -> Fault | None:
        if rule.schedule is not None:
            fault = rule.schedule.pop(0) if rule.schedule else None
            if not rule.schedule:
                self._rules.remove(rule)
            return fault
        if rule.probability is not None and self._rng.random() >= rule.probability:
            return None
        if rule.times is not None:
            rule.times -= 1
            if rule.times <= 0:
                self._rules.remove(rule)
        return rule.fault


@dataclass
class Stats:
    """Counters of what the emulator saw and did; ``reset()`` zeroes them.

    Attributes:
        requests: Requests per route.
        responses: Responses per HTTP status (faults included; dropped ones are not).
        bytes_received: Request body bytes per route.
        uploads: Finalised uploads.
        uploaded_bytes: Bytes of finalised uploads.
        files_created: Files created (equals ``uploads`` unless something failed).
        faults: Faults injected, by name (``"503"``, ``"drop"``...).
        analyses: Images analysed (cache misses).
        analysis_cache_hits: Images answered from the analysis cache.
        in_flight: Requests being answered now (arrived, reply not yet handed over).
        peak_in_flight: The most requests in flight at once since the last ``reset()``:
            what a client's concurrency really was, whatever its timing.
    """

    requests: Counter[str] = field(default_factory=Counter)
    responses: Counter[int] = field(default_factory=Counter)
    bytes_received: Counter[str] = field(default_factory=Counter)
    uploads: int = 0
    uploaded_bytes: int = 0
    files_created: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    analyses: int = 0
    analysis_cache_hits: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0

    def reset(self) -> None:
        """Zero every counter."""
        self.requests.clear()
        self.responses.clear()
        self.bytes_received.clear()
        self.faults.clear()
        self.uploads = self.uploaded_bytes = self.files_created = 0
        self.analyses = self.analysis_cache_hits = 0
        self.peak_in_flight = self.in_flight  # requests still open count from now on
