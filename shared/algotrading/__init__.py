"""Portfolio-based, multi-strategy algorithmic trading for Bybit USDT perpetual futures."""

__version__ = "0.1.0"
