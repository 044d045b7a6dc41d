"""Signing in: password hashes, tokens, the second factor and the sign-in rate limit."""
