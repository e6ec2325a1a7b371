"""The web UI and JSON API (Starlette): app (wiring, safety headers, errors) and handlers (one per page)."""
