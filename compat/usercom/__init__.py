"""User.com's public Tickets API (document 004) at /compat/usercom/api/public/."""
