"""The forms of the agent workspace, one module per part of it (as tickets/views/).

Forms check the shape of the input; the rules of the domain stay in tickets.services,
whose ValidationError messages are put back on the fields by
`tickets.forms.base.add_service_errors`. Selects render fast (tickets.forms.widgets).
"""
