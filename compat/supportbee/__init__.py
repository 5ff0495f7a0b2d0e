"""SupportBee's Tickets API (document 001) at /compat/supportbee/, over our tickets."""
