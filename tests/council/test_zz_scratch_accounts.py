import pytest
from council.roles import Role
from tests.factories import make_user, TEST_PASSWORD

pytestmark = pytest.mark.django_db

def test_scratch(client):
    u = make_user(Role.MEMBER_SERVICES, mfa=False)
    r = client.post("/accounts/login/", {"login": u.email, "password": TEST_PASSWORD})
    print(r.status_code, r.get("Location"))
    r = client.get("/")
    print(r.status_code, r.get("Location"))
    r = client.get(r["Location"])
    print(r.status_code, r.get("Location"))
