"""One account's portfolio through the API: read from what the snapshot job stored (snapshots,
breaker states, performance rows) and the book, through the library functions the CLI uses."""
