"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import itertools
from datetime import date

import factory
from django.contrib.auth.models import Group

from portal import roles
from portal.models import Enterprise, Industry, Person, PersonCategory, Region, User
from portal.validators import credit_code_check_char, id_number_check_char

_serial = itertools.count(1)


def credit_code(n: int | None = None) -> str:
    n = next(_serial) if n is None else n
    first17 = f"91330100MA{n:06d}0"[:17]
    return first17 + credit_code_check_char(first17)


def id_number(n: int | None = None, birth: date = date(1990, 5, 17)) -> str:
    n = next(_serial) if n is None else n
    first17 = f"{330100 + n // 1000 % 100:06d}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试区{n}")
    code = factory.Sequence(lambda n: f"33{n:04d}")
    level = Region.Level.DISTRICT
    parent = None


class StreetFactory(RegionFactory):
    name = factory.Sequence(lambda n: f"测试街道{n}")
    code = factory.Sequence(lambda n: f"34{n:07d}")
    level = Region.Level.STREET
    parent = factory.SubFactory(RegionFactory)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.LazyFunction(credit_code)
    street = factory.SubFactory(StreetFactory)
    industry = Industry.MACHINERY


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-1")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            for name in extracted:
                group, _ = Group.objects.get_or_create(name=name)
                self.groups.add(group)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"张{n}")
    id_number = factory.LazyFunction(id_number)
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    category = PersonCategory.OTHER
    position = "操作工"


def make_worker(enterprise: Enterprise | None = None, **person_fields) -> User:
    """A login linked to a Person (a worker)."""
    person = PersonFactory(enterprise=enterprise or EnterpriseFactory(), **person_fields)
    user = UserFactory()
    person.user = user
    person.save()
    return user


def make_manager(enterprise: Enterprise) -> User:
    user = UserFactory(roles=[roles.MANAGER])
    user.enterprise = enterprise
    user.save()
    return user


def make_supervisor(region: Region) -> User:
    user = UserFactory(roles=[roles.SUPERVISOR])
    user.region = region
    user.save()
    return user
