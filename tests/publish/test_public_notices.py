"""The public notice page: anonymous visitors see the published packages (the same as
/api/packages), with links only to the files anyone may download; a pending vendor sees no link
that leads to a 403."""

from __future__ import annotations

import re

from consortium.web.views import notices
from tests import factories
from tests.conftest import login


def test_empty_state(client):
    page = client.get("/notices/").get_data(as_text=True)
    assert "No bid package has been published yet" in page
    assert "Public notices" in client.get("/login").get_data(as_text=True)


def test_anonymous_visitors_see_published_packages_and_only_public_files(client, published):
    response = client.get("/notices/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    api = client.get("/api/packages").get_json()
    for item in api["packages"]:
        assert item["reference"] in page and item["title"] in page
    assert "original" in page
    links = re.findall(r'href="([^"]+)"', page.split("<main", 1)[1])
    files = [link for link in links if "/files/" in link or link.endswith(".json")]
    assert files and all(link.startswith("/api/packages/") for link in files)
    for link in files:
        assert client.get(link).status_code == 200  # anyone may download what is linked
    assert "/vendors/files/" not in page and "/admin/" not in page


def test_notices_are_paginated(client, published, monkeypatch):
    monkeypatch.setattr(notices, "PER_PAGE", 1)
    first = client.get("/notices/").get_data(as_text=True)
    assert "Page 1 of " in first and 'rel="next"' in first
    last = client.get("/notices/?page=999").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert client.get("/notices/?page=x").status_code == 200


def test_a_pending_vendor_sees_no_link_that_leads_to_a_403(client, session):
    vendor = factories.make_vendor(session, "Waiting Motors", status="pending")
    user = factories.make_user(session, "vendor", vendor=vendor, email="w@waiting.example.com")
    login(client, user)
    page = client.get("/").get_data(as_text=True)
    for href in set(re.findall(r'href="(/[^"]*)"', page)):
        if href.startswith("/static/"):
            continue
        assert client.get(href).status_code != 403, href
    assert "/vendors/packages" not in page and "/notices/" in page


def test_an_approved_vendor_keeps_the_bid_packages_link(client, vendor_user):
    login(client, vendor_user)
    assert 'href="/vendors/packages"' in client.get("/").get_data(as_text=True)
