"""Pure domain types: no I/O, no exchange, no database."""
