"""The chat web UI on top of `rag.api`: `ui.app.build_app()` builds the page, `ui.app.serve()` runs it."""
