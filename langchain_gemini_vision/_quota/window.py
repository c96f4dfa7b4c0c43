"""What a per-window quota allows, read from the log of what this client sent.

Gemini counts a quota over a window (a minute, for ``...PerMinute...`` ids): at most
``limit`` requests, or ``limit`` input tokens, in any window. :class:`SendLog` keeps the
client's sends (their time and tokens, reserved sends in the future included) and
answers the one question a sender asks: when may the next request go, so that every
:class:`WindowRule` still holds? Sends are reserved in order (each at or after the last),
so only the window ending at the new send can overflow. A window's whole budget may
leave together (the window slides: that is the quota's own ideal), spread over a quarter
of the window only. A booking made under rules a 429 has since corrected is withdrawn
(:meth:`SendLog.withdraw_waiting`): it never reached the service, and counting it would
hold back every later booking for nothing.

The same log explains a 429: Gemini's ``RetryInfo`` says when the oldest send that still
counts leaves the window, so the window's length is that moment minus the time that send
left here (:meth:`SendLog.window_after`). A test's emulator scales a "minute" down to
seconds; this reads the length it really has.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["SPREAD", "Send", "SendLog", "WindowRule"]


SPREAD = 0.25
"""A window's budget leaves over this share of the window (see :meth:`SendLog.earliest`)."""


@dataclass(frozen=True)
class WindowRule:
    """At most ``limit`` requests (or input tokens) in any ``window`` seconds."""

    limit: float
    window: float
    counts_tokens: bool = False


class Send:
    """One request: when it leaves (or left), when it was planned to, whether it has
    left, and the input tokens it counts."""

    __slots__ = ("at", "left", "planned", "tokens")

    def __init__(self, at: float, tokens: float) -> None:
        self.at = at
        self.planned = at
        """The moment booked: later bookings queue after it, so a wake-up that comes late
        (a busy event loop) does not push every later send back by as much."""
        self.left = False
        self.tokens = tokens


class SendLog:
    """The client's sends of the last ``horizon`` seconds, in time order."""

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self._sends: deque[Send] = deque()

    def __len__(self) -> int:
        return len(self._sends)

    def prune(self, now: float, horizon: float | None = None) -> None:
        """Forget sends no window can count any more."""
        oldest = now - max(self.horizon, horizon or 0.0)
        sends = self._sends
        while sends and sends[0].at < oldest:
            sends.popleft()

    def earliest(self, now: float, rules: list[WindowRule], tokens: float) -> float:
        """The first moment at or after ``now`` (and after every reserved send) at which
        one more request of ``tokens`` keeps every rule."""
        sends = self._sends
        last = sends[-1] if sends else None
        moment = max(now, last.planned) if last else now
        for rule in rules:
            # Gemini's window slides: a window's whole budget may leave together as long
            # as no window ever holds more (the quota's own ideal). It leaves spread over
            # a share of the window, not in one instant: a quota not known yet (tokens,
            # when only the requests' was learned) refuses the first send over it, and
            # that 429 is back before the rest of the burst has gone over it too.
            share = SPREAD * rule.window / rule.limit
            if rule.counts_tokens:
                moment = max(moment, self._tokens_fit(rule, tokens))
                if last:
                    moment = max(moment, last.planned + last.tokens * share)
            else:
                if len(sends) >= rule.limit:
                    moment = max(moment, sends[-int(rule.limit)].at + rule.window)
                if last:
                    moment = max(moment, last.planned + share)
        return moment

    def _tokens_fit(self, rule: WindowRule, tokens: float) -> float:
        """When enough older sends have left ``rule``'s window for ``tokens`` more."""
        room = rule.limit - min(tokens, rule.limit)  # a request over the limit goes alone
        total = 0.0
        for send in reversed(self._sends):
            total += send.tokens
            if total > room:
                return send.at + rule.window
        return float("-inf")

    def add(self, at: float, tokens: float) -> Send:
        """Reserve a send at ``at`` (at or after every other)."""
        send = Send(at, tokens)
        self._sends.append(send)
        return send

    def withdraw_waiting(self) -> None:
        """Forget every booking that has not left: it was made under rules a 429 has
        since corrected, and counting it would hold the next bookings back for nothing
        (its request books again when it wakes)."""
        self._sends = deque(s for s in self._sends if s.left)

    def remove(self, send: Send) -> None:
        """A send that never counted (refused, or given up before it left)."""
        with contextlib.suppress(ValueError):  # already pruned
            self._sends.remove(send)

    def _before(self, moment: float) -> Iterator[Send]:
        """Sends that left at or before ``moment``, newest first."""
        return (s for s in reversed(self._sends) if s.at <= moment)

    def window_after(
        self, rule: WindowRule, *, sent: float, tokens: float, answered: float, delay: float
    ) -> float | None:
        """The window length a 429 implies, if this log can explain it.

        The request that left at ``sent`` was refused at about ``answered`` with
        ``RetryInfo`` ``delay``: by the rule, the send that then frees room was the
        ``limit``-th newest (requests), or the one whose tokens make room for ``tokens``
        (tokens). Its window ends at ``answered + delay``. ``None``: this client's own
        sends do not fill the quota (someone else shares it), so the log cannot tell.
        """
        ends = answered + delay
        if rule.counts_tokens:
            room = rule.limit - min(tokens, rule.limit)
            total = 0.0
            for send in self._before(sent):
                total += send.tokens
                if total > room:
                    return ends - send.at
            return None
        for count, send in enumerate(self._before(sent), start=1):
            if count >= rule.limit:
                return ends - send.at
        return None
