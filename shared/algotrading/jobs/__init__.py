"""Use cases that compose the tiers below: read from storage, call the exchange or the market
code, write back. Tiers 4 and 5 stay free of I/O and the adapters never import each other
because the code that joins them lives here.
"""
