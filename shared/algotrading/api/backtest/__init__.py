"""What `/api/backtest` does: check and start a run, read stored runs (routers/backtest.py)."""
