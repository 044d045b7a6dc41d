"""Live events to the dashboard over a WebSocket (docs/api.md, "Live events")."""
