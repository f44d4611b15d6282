"""Fixtures of the service app: a member unit and requests in a given state,
made through the real services so history and audit rows are what the product writes."""

import datetime

import pytest

from tongxin.service import services
from tongxin.service.models import Department, RequestCategory, ServiceRequest, local_today


@pytest.fixture
def department(admin_user):
    return services.department_create(
        actor=admin_user,
        data={
            "name": "市人力资源和社会保障局",
            "kind": Department.Kind.MEMBER,
            "phone": "0771-5551234",
        },
    )


@pytest.fixture
def make_request(admin_user, department):
    """make_request(person, status="received", due_date=…) → a ServiceRequest in that state."""

    def make(
        person,
        *,
        status: str = ServiceRequest.Status.RECEIVED,
        due_date: datetime.date | None = None,
        received_on: datetime.date | None = None,
        category: str = "社会保障",
        content: str = "企业职工社保转移接续办理慢",
    ) -> ServiceRequest:
        today = local_today()
        received_on = received_on or today - datetime.timedelta(days=30)
        r = services.service_request_create(
            actor=admin_user,
            person=person,
            data={
                "category": RequestCategory.objects.get(name=category),
                "content": content,
                "channel": ServiceRequest.Channel.IN_PERSON,
                "received_on": received_on,
            },
        )
        if status == ServiceRequest.Status.RECEIVED:
            return r
        r = services.service_request_assign(
            actor=admin_user,
            service_request=r,
            department=department,
            due_date=due_date or today + datetime.timedelta(days=15),
            assigned_on=received_on,
        )
        if status == ServiceRequest.Status.ASSIGNED:
            return r
        services.service_request_progress_add(
            actor=admin_user, service_request=r, on_date=received_on, note="已联系当事人了解情况"
        )
        r.refresh_from_db()
        if status == ServiceRequest.Status.IN_PROGRESS:
            return r
        return services.service_request_close(
            actor=admin_user, service_request=r, answer="已协调办理完毕", closed_on=today
        )

    return make
