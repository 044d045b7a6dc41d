"""One router per area of the reference's routes; each route is a thin call into logic."""
