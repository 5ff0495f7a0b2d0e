"""factory-boy factories for every model. Tickets are built directly (as fixtures),
not through the services, unless a test is about the services themselves."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from mail import models as mail_models
from sla import models as sla_models
from sla.policies import forget_policies as forget_sla_policies
from tickets import models
from tickets.statuses import FixedStatus
from webhooks import models as webhook_models


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class AgentFactory(UserFactory):
    username = factory.Sequence(lambda n: f"agent{n}")
    is_staff = True


class AgentRoleFactory(AgentFactory):
    """An agent in the Agent group (an AgentFactory agent is in no group: an Agent too)."""

    @factory.post_generation
    def join_role(obj, create, extracted, **kwargs):
        if create:
            join(obj, "Agent")


class SupervisorFactory(AgentFactory):
    """An agent in the Supervisor group (migration tickets 0012)."""

    username = factory.Sequence(lambda n: f"supervisor{n}")

    @factory.post_generation
    def join_role(obj, create, extracted, **kwargs):
        if create:
            join(obj, "Supervisor")


class AdministratorFactory(AgentFactory):
    """An agent in the Administrator group, not a superuser."""

    username = factory.Sequence(lambda n: f"administrator{n}")

    @factory.post_generation
    def join_role(obj, create, extracted, **kwargs):
        if create:
            join(obj, "Administrator")


def join(user, role: str) -> None:
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=role))


class AdminFactory(AgentFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = models.Category

    name = factory.Sequence(lambda n: f"Department {n}")
    type = models.Category.Type.TICKET


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = models.Client

    name = factory.Sequence(lambda n: f"Client {n} Ltd")
    email = factory.Sequence(lambda n: f"office{n}@client.example")
    phone = "+44 20 7946 0000"
    address = "1 High Street, London"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = models.Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = models.Project

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Project {n}")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = models.Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.members.set(extracted)


class TicketStatusFactory(DjangoModelFactory):
    class Meta:
        model = models.TicketStatus

    id = factory.Sequence(lambda n: 100 + n)
    title = factory.Sequence(lambda n: f"Status {n}")
    position = 10
    is_closed = False
    category = factory.LazyAttribute(lambda status: "solved" if status.is_closed else "open")


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = models.Ticket
        skip_postgeneration_save = True

    subject = factory.Sequence(lambda n: f"Ticket subject {n}")
    message = "Something does not work."
    status_id = FixedStatus.OPEN
    priority = models.Priority.NORMAL
    department = factory.SubFactory(CategoryFactory)
    client = factory.SubFactory(ClientFactory)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.set(extracted)


class TaggedTicketFactory(DjangoModelFactory):
    """A tag on a ticket (usually set through TicketFactory(tags=[...]))."""

    class Meta:
        model = models.TaggedTicket

    content_object = factory.SubFactory(TicketFactory)
    tag = factory.Iterator(["billing", "login", "export"], getter=lambda name: _tag(name))


def _tag(name: str):
    from taggit.models import Tag

    return Tag.objects.get_or_create(name=name, defaults={"slug": name})[0]


class CustomFieldFactory(DjangoModelFactory):
    class Meta:
        model = models.CustomField

    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Field {n}")
    type = models.CustomField.Type.TEXT


class ReplyFactory(DjangoModelFactory):
    class Meta:
        model = models.Reply

    ticket = factory.SubFactory(TicketFactory)
    text = "Thanks, we are on it."
    author_agent = factory.SubFactory(AgentFactory)


class TicketEventFactory(DjangoModelFactory):
    class Meta:
        model = models.TicketEvent

    ticket = factory.SubFactory(TicketFactory)
    kind = models.TicketEvent.Kind.CREATED
    channel = models.Channel.SYSTEM


class RatingFactory(DjangoModelFactory):
    class Meta:
        model = models.Rating

    ticket = factory.SubFactory(TicketFactory)
    value = models.Rating.Value.GOOD


class TicketStarFactory(DjangoModelFactory):
    class Meta:
        model = models.TicketStar

    ticket = factory.SubFactory(TicketFactory)
    agent = factory.SubFactory(AgentFactory)


class TicketPinFactory(DjangoModelFactory):
    class Meta:
        model = models.TicketPin

    ticket = factory.SubFactory(TicketFactory)
    agent = factory.SubFactory(AgentFactory)


class ApiKeyFactory(DjangoModelFactory):
    """Builds a key through ApiKey.generate; the raw key is on `.raw_key`."""

    class Meta:
        model = models.ApiKey

    agent = factory.SubFactory(AgentFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        key, raw_key = model_class.generate(**kwargs)
        key.raw_key = raw_key
        return key


class AttachmentFactory(DjangoModelFactory):
    class Meta:
        model = models.Attachment

    ticket = factory.SubFactory(TicketFactory)
    reply = factory.SubFactory(ReplyFactory, ticket=factory.SelfAttribute("..ticket"))
    file = factory.django.FileField(filename="notes.txt", data=b"Some notes.\n")
    name = "notes.txt"
    size = factory.LazyAttribute(lambda attachment: attachment.file.size)
    content_type = "text/plain"
    uploaded_by = factory.SubFactory(AgentFactory)


class CannedResponseFactory(DjangoModelFactory):
    class Meta:
        model = models.CannedResponse

    title = factory.Sequence(lambda n: f"Canned response {n}")
    text = "Hello {requester_name}, thanks for writing to us about ticket #{ticket_id}."
    owner = None


class StickyNoteFactory(DjangoModelFactory):
    class Meta:
        model = models.StickyNote

    ticket = factory.SubFactory(TicketFactory)
    text = "VIP client: answer within the hour."
    author = factory.SubFactory(AgentFactory)


class SavedViewFactory(DjangoModelFactory):
    class Meta:
        model = models.SavedView

    name = factory.Sequence(lambda n: f"View {n}")
    owner = factory.SubFactory(AgentFactory)
    query = "status=open&priority=3"


class TicketPresenceFactory(DjangoModelFactory):
    class Meta:
        model = models.TicketPresence

    ticket = factory.SubFactory(TicketFactory)
    agent = factory.SubFactory(AgentFactory)


class ClientDomainFactory(DjangoModelFactory):
    class Meta:
        model = models.ClientDomain

    client = factory.SubFactory(ClientFactory)
    domain = factory.Sequence(lambda n: f"client{n}.example")


class MailboxFactory(DjangoModelFactory):
    class Meta:
        model = mail_models.Mailbox

    name = factory.Sequence(lambda n: f"Support {n}")
    address = factory.Sequence(lambda n: f"support{n}@helpdesk.example.test")
    department = factory.SubFactory(CategoryFactory)
    from_name = "Example Support"


class TriggerFactory(DjangoModelFactory):
    class Meta:
        model = "automations.Trigger"

    name = factory.Sequence(lambda n: f"Trigger {n}")
    position = factory.Sequence(lambda n: n)
    conditions: list = []
    actions = factory.LazyFunction(lambda: [{"action": "add_tags", "value": ["seen"]}])


class AutomationFactory(DjangoModelFactory):
    class Meta:
        model = "automations.Automation"

    name = factory.Sequence(lambda n: f"Automation {n}")
    position = factory.Sequence(lambda n: n)
    since = "pending"
    hours = 168
    conditions: list = []
    actions = factory.LazyFunction(lambda: [{"action": "set_status", "value": FixedStatus.CLOSED}])


# Service levels (the sla app) ------------------------------------------------------

WEEKDAYS_NINE_TO_FIVE = [(day, datetime.time(9), datetime.time(17)) for day in range(5)]


class BusinessCalendarFactory(DjangoModelFactory):
    """A calendar, open Monday to Friday 9 to 17 in London unless `hours` lists
    (weekday, opens, closes); `holidays` lists dates."""

    class Meta:
        model = sla_models.BusinessCalendar
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Calendar {n}")
    time_zone = "Europe/London"

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        if create:
            sla_models.OpeningHours.objects.bulk_create(
                sla_models.OpeningHours(calendar=obj, weekday=day, opens=opens, closes=closes)
                for day, opens, closes in (
                    WEEKDAYS_NINE_TO_FIVE if extracted is None else extracted
                )
            )

    @factory.post_generation
    def holidays(obj, create, extracted, **kwargs):
        if create and extracted:
            sla_models.Holiday.objects.bulk_create(
                sla_models.Holiday(calendar=obj, date=day, name="Holiday") for day in extracted
            )
        forget_sla_policies()


class SlaPolicyFactory(DjangoModelFactory):
    """An active policy; `targets` maps a kind to minutes, or to (minutes, business
    hours); by default a first response in 60 and a resolution in 480 minutes."""

    class Meta:
        model = sla_models.SlaPolicy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Policy {n}")
    position = factory.Sequence(lambda n: n)
    is_active = True
    calendar = None
    priorities: list[int] = []

    @factory.post_generation
    def targets(obj, create, extracted, **kwargs):
        if not create:
            return
        wanted = extracted if extracted is not None else {"first_response": 60, "resolution": 480}
        for kind, value in wanted.items():
            minutes, business = value if isinstance(value, tuple) else (value, True)
            sla_models.SlaPolicyTarget.objects.create(
                policy=obj, kind=kind, minutes=minutes, business_hours=business
            )

    @factory.post_generation
    def departments(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.departments.set(extracted)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.set([_tag(name) for name in extracted])
        forget_sla_policies()


class WebhookEndpointFactory(DjangoModelFactory):
    class Meta:
        model = webhook_models.WebhookEndpoint
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Endpoint {n}")
    url = factory.Sequence(lambda n: f"http://127.0.0.1:9/hooks/{n}")
    events = factory.LazyFunction(
        lambda: [event.value for event in webhook_models.SUBSCRIBABLE_EVENTS]
    )

    @factory.post_generation
    def forget_subscriptions(obj, create, extracted, **kwargs):
        """As the admin does after saving an endpoint."""
        from webhooks.publishing import forget_subscriptions

        forget_subscriptions()


class TicketSlaTargetFactory(DjangoModelFactory):
    """A ticket's target as the SLA clock leaves it: give met_at / breached_at (and a state)
    for a settled one; running, it is due target_seconds after it started."""

    class Meta:
        model = sla_models.TicketSlaTarget

    ticket = factory.SubFactory(TicketFactory)
    policy = factory.SubFactory(SlaPolicyFactory)
    kind = sla_models.SlaTargetKind.FIRST_RESPONSE
    business_hours = False
    target_seconds = 3600
    started_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(
        lambda target: target.started_at + datetime.timedelta(seconds=target.target_seconds)
    )
    state = factory.LazyAttribute(
        lambda target: (
            sla_models.TargetState.MET
            if target.met_at is not None
            else sla_models.TargetState.ACTIVE
        )
    )
    met_at = None
    breached_at = None
