"""Messages between the care-home tablet and the hub in real Chromium, with a photo each
way, each shown once.
"""

from __future__ import annotations

from playwright.async_api import expect

from support.browser import OpenPage, assert_accessible
from support.hub import RunningHub
from support.tablet import (
    nurse_page,
    shoot,
)

# A 64x48 PNG, as a camera would send a (very small) photo of a wound.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000400000003008020000002e29eb48000000434944415478"
    "daedcf410900000804b08be8dbc4c6b2825f61b002cb74bd160101010101010101010101010101010101"
    "010101010101010101010101010101010181ab0568c859006f8fc0290000000049454e44ae426082"
)


async def test_messages_round_trip_with_a_photo_each_shown_once(
    open_page: OpenPage, live_hub: RunningHub
) -> None:
    world = live_hub.world
    nurse = await nurse_page(open_page, live_hub)
    site_id = world.home_a.site.id
    await nurse.evaluate(
        "(site) => nurse.hub.command('message/send', {site_id: site, client_message_id: 'n-1',"
        " body: 'Please send a photo of the pressure area.'})",
        site_id,
    )
    tablet = await open_page(world.home_a.staff.username, "/tablet")
    await expect(tablet.locator("#unread-badge")).to_be_visible()
    badge = await tablet.locator("#unread-badge").inner_text()
    assert badge.endswith("unread") and int(badge.split()[0]) >= 1

    await tablet.locator("#messages-link").click()
    await expect(tablet.locator("#thread li", has_text="pressure area")).to_have_count(1)
    await expect(tablet.locator("#thread li", has_text="hello from home A")).to_have_count(1)

    # Text and a photo, to the hub.
    await tablet.locator("#message-body").fill("Here it is: red, not broken.")
    await tablet.locator("#message-photo").set_input_files(
        files=[{"name": "heel.png", "mimeType": "image/png", "buffer": PNG}]
    )
    await tablet.locator("#send-message").click()
    sent = tablet.locator("#thread li", has_text="Here it is: red, not broken.")
    await expect(sent).to_have_count(1)
    await expect(sent.locator("img")).to_have_attribute("alt", "Photo sent by you")
    await tablet.wait_for_function(
        "() => [...document.querySelectorAll('#thread img')]"
        ".every((i) => i.complete && i.naturalWidth === 64)"
    )
    got = await nurse.wait_for_function(
        "() => nurse.messages.find((m) => m.body === 'Here it is: red, not broken.')"
    )
    photo_id = (await got.json_value())["photo_id"]
    assert photo_id
    fetched = await nurse.evaluate(
        "async (id) => { const r = await fetch(`/api/photos/${id}`);"
        " return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength]; }",
        photo_id,
    )
    assert fetched[:2] == [200, "image/png"] and fetched[2] > 0  # as the hub re-encoded it
    # A file that only claims to be a picture is refused (sent as the page would send it).
    token = await tablet.evaluate("() => document.querySelector('meta[name=csrf-token]').content")
    refused = await tablet.request.post(
        "/api/photos",
        multipart={"photo": {"name": "x.png", "mimeType": "image/png", "buffer": b"<html>"}},
        headers={"Origin": str(live_hub.server.make_url("/")).rstrip("/"), "X-CSRF-Token": token},
    )
    assert refused.status == 422 and "not a readable PNG" in (await refused.json())["message"]

    # The hub replies while the tablet's socket is down: after it reconnects, shown once.
    await tablet.context.set_offline(True)
    await tablet.evaluate("() => telehubTablet.hub.drop()")
    await expect(tablet.locator("#connection")).to_contain_text("Reconnecting to the hub…")
    await nurse.evaluate(
        "(site) => nurse.hub.command('message/send', {site_id: site, client_message_id: 'n-2',"
        " body: 'Thanks. Reposition two-hourly; we will call back.'})",
        site_id,
    )
    await tablet.context.set_offline(False)
    reply = tablet.locator("#thread li", has_text="Reposition two-hourly")
    await expect(reply).to_have_count(1, timeout=20_000)
    await expect(tablet.locator("#connection")).to_be_hidden()
    await tablet.evaluate("() => telehubTablet.hub.drop()")  # and once more, online this time
    await tablet.wait_for_function("() => telehubTablet.hub.state === 'open'")
    await tablet.wait_for_timeout(0)
    await expect(reply).to_have_count(1)
    assert await tablet.locator("#thread li").count() == len(
        set(
            await tablet.locator("#thread li").evaluate_all(
                "(l) => l.map((x) => x.dataset.messageId)"
            )
        )
    )
    await assert_accessible(tablet, "messages")
    await shoot(tablet, "messages")

    # Read on the tablet: the home screen's badge is gone.
    await tablet.goto("/tablet")
    await tablet.wait_for_function("() => telehubTablet.hub.state === 'open'")
    await expect(tablet.locator("#unread-badge")).to_be_hidden()
