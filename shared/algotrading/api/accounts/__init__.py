"""Trading accounts through the API: management (create, change, delete) and exchange keys."""
