"""The ticket list answer of User.com's document (004), as it gives it."""

DOCUMENT_LIST = {
    "count": 2,
    "next": None,
    "previous": None,
    "results": [
        {
            "id": 1,
            "status": "closed",
            "name": "Ticket 1",
            "description": "Ticket description",
            "created_at": "2020-11-18T08:06:56.871986Z",
            "updated_at": "2020-11-18T08:06:56.872014Z",
            "due_date": "2020-11-25T00:00:00Z",
            "assigned_to": {
                "id": 1,
                "name": "Agent Bob",
                "avatar": "http://some.user.com/static/img/agent.svg",
            },
            "person": None,
            "company": None,
            "priority": {"id": 1, "name": "High", "order": 1},
            "participants": [],
            "segments": [{"name": "Closed", "url": "/tickets/?segment=13"}],
            "attachments": None,
            "author": {
                "id": 1,
                "name": "Agent Bob",
                "avatar": "http://some.user.com/static/img/agent.svg",
            },
        },
    ],
}
DOCUMENT_TICKET = DOCUMENT_LIST["results"][0]


def shape(value):
    """A JSON value's shape: the keys of objects (recursively, lists by their first item)
    and the type of everything else (null apart)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__
