"""Plan and pledge pages, the forms, the State's "Implementation plan" section, the workspace."""

import datetime

import pytest
from django.urls import reverse

from commitments.pledges import services
from commitments.pledges.models import NationalPlan, Pledge

from .conftest import item, plan_data, pledge_data, published_plan, published_pledge

pytestmark = pytest.mark.django_db


def item_form(prefix, **fields):
    return {f"items-{prefix}-{k}": v for k, v in fields.items()}


def plan_post(**extra):
    return {
        "title": "National Migration Strategy",
        "instrument": "strategy",
        "adopted_on": "2025-03-01",
        "lead_institution": "Ministry of the Interior",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        **item_form(
            0, priority="Alternatives to detention", actions=["13(a)"], objectives=["13"], target_date="2027-06-30"
        ),
        **item_form(1, priority="Migration data", actions=["1(a)"], target_what="survey", target_amount="1"),
        **extra,
    }


def test_focal_point_records_a_plan_through_the_form(client, people):
    client.force_login(people["contributor"])
    assert client.get(reverse("pledges:plan_new")).status_code == 200
    response = client.post(reverse("pledges:plan_new"), plan_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = NationalPlan.objects.get()
    assert plan.member_state.iso3 == "MAR" and [i.priority for i in plan.items.all()] == [
        "Alternatives to detention",
        "Migration data",
    ]
    assert [a.code for a in plan.items.first().actions.all()] == ["13(a)"]
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Alternatives to detention" in page and "Submit for validation" in page


def test_bad_plan_input_gets_clear_messages_and_loses_nothing(client, people):
    client.force_login(people["contributor"])
    response = client.post(
        reverse("pledges:plan_new"), plan_post(title="", period_start="2030-01-01", period_end="2025-01-01")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Give the plan its title." in html and "The end date is before the start date." in html
    assert "Alternatives to detention" in html  # the typed items are still there
    assert not NationalPlan.objects.exists()


def test_another_state_cannot_see_a_draft_plan_or_pledge_nor_edit(client, people):
    plan = services.plan_create(user=people["contributor"], data=plan_data(), items=[item()])
    pledge = services.pledge_create(user=people["contributor"], data=pledge_data())
    client.force_login(people["other_state"])
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert client.get(pledge.get_absolute_url()).status_code == 404
    assert client.get(reverse("pledges:plan_edit", args=[plan.record])).status_code == 404
    submit = reverse("pledges:plan_transition", args=[plan.record, "submit"])
    assert client.post(submit, {"revision": 1}).status_code == 404
    client.logout()
    assert client.get(plan.get_absolute_url()).status_code == 404
    published = published_pledge(people, title="Public pledge")
    client.force_login(people["other_state"])
    assert client.get(published.get_absolute_url()).status_code == 200
    assert client.get(reverse("pledges:pledge_edit", args=[published.identifier])).status_code == 403
    status_url = reverse("pledges:pledge_status", args=[published.identifier])
    response = client.post(status_url, {"status": "fulfilled", "reason": "x"})
    assert response.status_code == 403 and Pledge.objects.get(pk=published.pk).status == "pledged"


def test_plan_page_workflow_buttons_and_versions(client, people):
    plan = published_plan(people)
    client.force_login(people["contributor"])
    response = client.post(reverse("pledges:plan_transition", args=[plan.record, "reopen"]), {"revision": 1})
    assert response.status_code == 302
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "version 2 of the plan" in page and "View the published version" in page
    old = client.get(plan.get_absolute_url() + "?revision=1").content.decode()
    assert "version 1 of the plan" in old
    client.logout()
    public = client.get(plan.get_absolute_url()).content.decode()
    assert "version 1 of the plan" in public  # the public sees the published version only


def test_pledge_form_and_page(client, people):
    original = published_pledge(people, user="editor", reviewer="secretariat", title="Fund legal aid")
    client.force_login(people["contributor"])
    response = client.post(
        reverse("pledges:pledge_new"),
        {
            "title": "Match legal aid funding",
            "description": "We match the NGO's pledge.",
            "kind": "financial",
            "actions": ["16(a)"],
            "occasion": "IMRF 2026",
            "matches": original.identifier.lower(),
            "partner_states": ["KEN"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    pledge = Pledge.objects.get(title="Match legal aid funding")
    assert pledge.matches == original and pledge.partners.get().member_state.iso3 == "KEN"
    bad_input = {"title": "x", "description": "y", "kind": "policy", "matches": "GCM-P-1999-000001"}
    bad = client.post(reverse("pledges:pledge_new"), bad_input)
    assert bad.status_code == 400 and "No published pledge has the identifier GCM-P-1999-000001" in bad.content.decode()
    client.force_login(people["ken"])
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "Confirm our participation" in page
    partner = pledge.partners.get()
    client.post(reverse("pledges:partner_answer", args=[pledge.identifier, partner.pk, "confirm"]))
    partner.refresh_from_db()
    assert partner.answer == "confirmed"


def test_state_page_section_shows_plan_items_by_objective_with_overdue_marked(
    client, people, django_assert_max_num_queries
):
    published_plan(
        people,
        items=[
            item("Overdue priority", "13(a)", target_date=datetime.date(2020, 1, 1)),
            item("Later priority", "1(a)", target_date=datetime.date(2040, 1, 1)),
        ],
    )
    published_pledge(people)
    url = reverse("commitments:state", args=["MAR"])
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert "Implementation plan" in html and "Objective 13" in html and "Objective 1" in html
    overdue_part = html.split("Overdue priority")[1].split("</li>")[0]
    assert "overdue" in overdue_part
    assert "overdue" not in html.split("Later priority")[1].split("</li>")[0]
    assert "1 published pledge" in html
    empty = client.get(reverse("commitments:state", args=["MEX"])).content.decode()
    assert "No national implementation plan has been published." in empty


def test_history_of_someone_whose_account_was_deleted_reads_a_deleted_account(client, people):
    """The actor of an event is set to null when the account is deleted: the public history says
    so, as everywhere on the site (`person` filter; a lookup over a missing actor was a 500)."""
    pledge = published_pledge(people)
    people["focal"].delete()
    assert pledge.events.filter(to_state="validated", actor=None).exists()
    html = client.get(pledge.get_absolute_url()).content.decode()
    assert "by a deleted account" in html


def test_workspace_shows_what_is_due_and_overdue(client, people):
    today = datetime.date.today()
    published_plan(
        people,
        items=[
            item("Late one", "13(a)", target_date=today - datetime.timedelta(days=10)),
            item("Soon one", "1(a)", target_date=today + datetime.timedelta(days=60)),
            item("Far one", "2(a)", target_date=today + datetime.timedelta(days=800)),
        ],
    )
    published_pledge(people, title="Pledge due soon", target_date=today + datetime.timedelta(days=30))
    client.force_login(people["contributor"])
    html = client.get(reverse("commitments:workspace")).content.decode()
    overdue, soon = html.split("Overdue</h3>")[1].split("Due in the next 6 months")
    assert "Late one" in overdue and "Soon one" in soon and "Pledge due soon" in soon
    assert "Far one" not in html


def test_pledge_list_filters_and_query_count(client, people, django_assert_max_num_queries):
    for n in range(3):
        published_pledge(people, title=f"Human resources {n}")
    published_pledge(people, user="editor", reviewer="secretariat", title="Money", kind="financial")
    url = reverse("pledges:pledge_list")
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert "4 pledges" in html
    assert "1 pledge" in client.get(url + "?kind=financial").content.decode()
    assert "3 pledges" in client.get(url + "?state=MAR").content.decode()
    bad = client.get(url + "?kind=bribes").content.decode()
    assert "Some filters are not valid" in bad


def test_pledge_list_plan_page_and_state_page_queries_do_not_grow_with_the_data(client, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    plan = published_plan(people)
    published_pledge(people)
    urls = [reverse("pledges:pledge_list"), reverse("commitments:state", args=["MAR"]), plan.get_absolute_url()]
    small = [count(url) for url in urls]
    for n in range(6):
        published_pledge(people, title=f"More {n}")
    revised = services.plan_reopen(user=people["contributor"], plan=plan)
    services.plan_update(
        user=people["contributor"],
        plan=revised,
        data={},
        items=[*[{"key": i.key, "priority": i.priority} for i in revised.items.all()], item("Third"), item("Fourth")],
        expected_version=revised.version,
    )
    services.validate(user=people["focal"], obj=services.submit(user=people["contributor"], obj=revised))
    assert [count(url) for url in urls] == small


def test_pledge_and_plan_pages_at_scale_make_the_same_queries_and_count_large_results_once(
    client, framework, monkeypatch
):
    """The bench's pages (the pledge list unfiltered, filtered and deep, the pledge API, the State
    page with the most plan items, its dashboard profile and its plan) make as many queries with
    800 pledges and 400 plan items as with 200 and 100; a rendered page does not count a large
    result again (cached under the data version); the organisation filter is a search box, not
    a list of every organisation."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from commitments import paginator
    from commitments.pledges.models import PlanItem

    monkeypatch.setattr(paginator, "COUNT_CACHE_MIN", 100)  # as a result of thousands is at scale

    def seed(pledges, items, *extra):
        args = ["--records", "0", "--organisations", "30", "--pledges", str(pledges), "--plan-items", str(items)]
        call_command("seed_demo", "--allow-production", *args, *extra, stdout=StringIO())

    def queries():
        top = (
            PlanItem.objects.filter(plan__is_published=True)
            .values("plan__member_state__iso3", "plan__record")
            .annotate(n=Count("id"))
            .order_by("-n", "plan__member_state__iso3")
            .first()
        )
        iso3 = top["plan__member_state__iso3"]
        urls = {
            "list": "/pledges/",
            "filtered": "/pledges/?kind=financial&objective=6",
            "deep": "/pledges/?page=5",
            "api": "/api/v1/pledges/",
            "state": f"/states/{iso3}/",
            "profile": f"/dashboards/states/{iso3}/",
            "plan": reverse("pledges:plan", args=[top["plan__record"]]),
        }
        result = {}
        for name, url in urls.items():
            client.get(url)  # warm: the counts
            rendered = f"{url}{'&' if '?' in url else '?'}bench=1"  # a new URL: the page cache misses
            with CaptureQueriesContext(connection) as captured:
                assert client.get(rendered).status_code == 200
            result[name] = [q["sql"] for q in captured]
        return result

    seed(200, 100)
    small = queries()
    seed(800, 400, "--reset")
    large = queries()
    assert {name: len(sqls) for name, sqls in large.items()} == {name: len(sqls) for name, sqls in small.items()}
    for name in ("list", "deep", "api"):  # hundreds of published pledges: counted once per data version
        assert not [sql for sql in large[name] if "COUNT(" in sql.upper() and "pledges_pledge" in sql], name
    html = client.get("/pledges/?organisation=1").content.decode()
    assert 'name="organisation"' in html and '<select name="organisation"' not in html
