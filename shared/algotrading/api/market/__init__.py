"""What `/api/market` reads: the market data set, scanners and markers (routers/market.py)."""
