FIXED_STATUSES = [
    # id, title, position, colour, is_closed, team replied, client replied
    (1, "Open", 1, "#2563eb", False, False, False),
    (2, "Closed", 5, "#6b7280", True, False, False),
    (3, "On Hold", 2, "#d97706", False, False, False),
    (4, "Answered", 3, "#16a34a", False, True, False),
    (5, "Customer Replied", 4, "#dc2626", False, False, True),
]


def create_fixed_statuses(status_model=None) -> None:
    """Create (or repair) the five statuses whose ids the API documents."""
    if status_model is None:
        from tickets.models import TicketStatus as status_model
    for pk, title, position, colour, is_closed, team, client in FIXED_STATUSES:
        status_model.objects.update_or_create(
            pk=pk,
            defaults={
                "title": title,
                "position": position,
                "colour": colour,
                "is_closed": is_closed,
                "use_for_team_replied": team,
                "use_for_client_replied": client,
            },
        )
