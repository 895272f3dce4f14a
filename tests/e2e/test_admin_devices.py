"""In Chromium: the hub administrator enrols a device to one patient at home from the admin
page (issue 13: "telehub device enrol --person NHS_NUMBER, and the admin page"). A bad NHS
number is refused with the reason and nothing is made; a good one gives a code once; the
device that types it is that one person's (its own record alone), and revoking it from the
same page ends its access."""

from __future__ import annotations

from playwright.async_api import expect

from support.browser import DESKTOP, OpenPage, axe_violations
from support.hub import RunningHub
from support.tablet import own_home_site

PATIENT_NHS = "943 476 5927"  # own_home_site's patient, as an administrator types it
NOT_AN_NHS_NUMBER = "943 476 5928"  # the check digit is wrong


async def test_the_admin_enrols_a_carers_device_to_one_patient_and_revokes_it(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    ods, _ = await own_home_site(live_hub)
    admin = await open_page("admin.one", "/admin", viewport=DESKTOP)
    await admin.goto("/admin/devices")
    await admin.locator("#site").select_option(ods)
    await admin.locator("form.console-filters button").click()
    devices = admin.locator("#devices tbody tr[data-device-id]")
    await expect(devices).to_have_count(0)

    form = admin.locator("#enrol-device")
    await form.locator("#label").fill("Daughter's phone")
    await form.locator("#person_nhs_number").fill(NOT_AN_NHS_NUMBER)
    await form.locator("#relationship").select_option("carer")
    await form.locator("button[type=submit]").click()
    await expect(admin.locator(".nhsuk-error-summary")).to_contain_text("NHS number")
    await expect(devices).to_have_count(0)  # nothing half-made
    await expect(form.locator("#label")).to_have_value("Daughter's phone")  # nothing lost

    await form.locator("#person_nhs_number").fill(PATIENT_NHS)
    await form.locator("button[type=submit]").click()
    code = (await admin.locator("#enrolment-code .console-code").inner_text()).strip()
    assert code
    await expect(devices).to_have_count(1)
    await expect(devices.first).to_contain_text("One person (a carer)")
    await expect(devices.first).to_contain_text("Waiting for its code")
    assert await axe_violations(admin) == []

    phone = await open_page(None, "/enrol")
    await phone.locator("#enrolment-code").fill(code)
    await phone.locator("#enrol-button").click()
    await phone.wait_for_url("**/tablet")
    me = await phone.evaluate("() => fetch('/api/me').then((r) => r.json())")
    assert me["relationship"] == "carer" and me["person_id"] is not None, me

    await admin.goto(f"/admin/devices?site={ods}")
    await expect(devices.first).to_contain_text("Enrolled")
    assert "Enrolment code" not in await admin.content()  # the code is shown once
    await devices.first.get_by_role("button", name="Revoke Daughter's phone").click()
    await expect(devices.first).to_contain_text("Revoked")
    refused = await phone.evaluate("() => fetch('/api/me').then((r) => r.status)")
    assert refused == 401
