"""Market data: data files, candles, funding, universe."""
