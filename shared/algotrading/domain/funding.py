"""The funding interval assumed when an instrument's own is not known.

Bybit publishes each perpetual's interval (1, 2, 4 or 8 hours) in its instrument info, and
that is always preferred. Only when it is missing (an instrument row without the field, a
history too short to infer the spacing from) is an interval assumed, and it must be the same
one everywhere: otherwise the funding poll, the settlement and the scan disagree on when a
settlement can have happened. 8 hours is Bybit's standard interval for USDT perpetuals.
"""

from __future__ import annotations

DEFAULT_FUNDING_INTERVAL_H = 8
"""Hours between settlements when the instrument's interval is unknown."""
