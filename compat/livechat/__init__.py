"""LiveChat's v2 Tickets API (document 000) and ticket reports (document 002), as LiveChat
shapes them, over our own querysets, report queries and ticket services. See docs/compat.md."""
