"""The agent workspace: server-rendered pages, with htmx fragments for changes in place."""
