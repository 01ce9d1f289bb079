"""factory_boy factories for the kernel; module factories live beside their tests."""

import factory

from qms import access
from qms.models import Department, Role, User
from qms.services import record_create
from tests.kernelapp.models import Widget

PASSWORD = "test-pass-123"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.STAFF
    department = factory.SubFactory(DepartmentFactory)
    is_staff = factory.LazyAttribute(lambda u: u.role == Role.ADMINISTRATOR)
    is_superuser = factory.LazyAttribute(lambda u: u.role == Role.ADMINISTRATOR)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class RecordFactory(factory.Factory):
    """Base for record factories: creates through the service, so reference numbers, status and
    history are what the product would produce."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Record {n}")
    owner = factory.SubFactory(UserFactory)
    department = factory.LazyAttribute(lambda o: o.owner.department)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        by = kwargs.pop("created_by", None) or kwargs["owner"]
        return record_create(model=model_class, by=by, **kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        kwargs.pop("created_by", None)
        return model_class(**kwargs)


class WidgetFactory(RecordFactory):
    """A record of the test-only kernel module (tests/kernelapp). Widgets are created by heads and
    the quality manager (``Widget.create_roles``): a widget owned by staff is created by the head
    of their department, or by a quality manager."""

    class Meta:
        model = Widget

    title = factory.Sequence(lambda n: f"Widget {n}")
    description = "A widget"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        owner = kwargs["owner"]
        if not kwargs.get("created_by") and not access.can_create(owner, Widget):
            head = owner.department.head if owner.department_id else None
            kwargs["created_by"] = (
                head
                if head is not None and access.can_create(head, Widget)
                else User.objects.filter(role=Role.QUALITY_MANAGER).first()
                or UserFactory(role=Role.QUALITY_MANAGER, department=None)
            )
        return super()._create(model_class, *args, **kwargs)
