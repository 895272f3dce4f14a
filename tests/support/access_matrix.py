"""The expected answer of every route and websocket command to every kind of caller.

Columns, in order (CALLERS): hub_nurse, specialist, clinical_lead, hub_admin, commissioner
(of commissioner A, whose area holds home A), care_home_staff (of home A), device (a tablet
enrolled at home A), and for routes anonymous. A cell is the answer when the request is
aimed at home A's records, then "/" and the answer aimed at home B's where they differ.
Hub roles see every home, so their two answers agree.

Requests and commands are well formed (test_scope_every_route._request and ._frame), so a
refusal is an access rule's or the record's state, not bad input. Routes answer with an
HTTP status (302: a page sends the signed-out browser to sign in; 303: a form posted and
redirected). Commands answer "ok" or the HTTP status of the error frame's code (403 forbidden, 404
not_found, 409 invalid_state or conflict, 422 invalid_message). A command's 403 is its role
rule or "not on this call" (the world's calls are closed and had no nurse); 409 is a closed
call's answer to a caller the rule let through.

Change a cell only with the access rule it records; a new route or command needs a row.
"""

from __future__ import annotations

CALLERS = (
    "hub_nurse",
    "specialist",
    "clinical_lead",
    "hub_admin",
    "commissioner",
    "care_home_staff",
    "device",
    "anonymous",
)

# fmt: off
ROUTES: dict[str, str] = {
    #                                           nurse spec lead admin comm staff device anon
    'DELETE /api/devices/{device_id}': '403 403 403 200 403 403 403 401',
    'DELETE /api/users/{user_id}': '403 403 403 200 403 403 403 401',
    'GET /api/appointments': '200 200 200 200 403 200 200 401',
    'GET /api/clinics': '200 200 403 200 403 403 403 401',
    'POST /api/clinics': '403 201 403 201 403 403 403 401',
    'POST /api/appointments': '201 201 403 201 403 403 403 401',
    'POST /api/appointments/{appointment_id}/cancel': '200 200 403 200 403 403 403 401',
    'POST /api/appointments/{appointment_id}/did-not-attend': '200 200 403 200 403 403 403 401',
    'POST /api/appointments/{appointment_id}/rebook': '201 201 403 201 403 403 403 401',
    'POST /api/appointments/{appointment_id}/arrive': '403 403 403 403 403 200/404 200/404 401',
    'POST /api/appointments/{appointment_id}/admit': '403 409 403 403 403 403 403 401',
    'GET /api/clinics/{clinic_id}/waiting-room': '200 200 403 200 403 403 403 401',
    'GET /': '302 302 302 302 302 302 302 302',
    'GET /admin': '403 403 403 200 403 403 403 302',
    'GET /admin/audit': '403 403 403 200 403 403 403 302',
    'GET /admin/audit.csv': '403 403 403 200 403 403 403 302',
    'GET /admin/imports': '403 403 403 200 403 403 403 302',
    'GET /admin/shift': '403 403 403 200 403 403 403 302',
    'GET /api/call-history': '200 200 200 200 403 403 403 401',
    'GET /api/calls': '200 200 200 200 403 200 200 401',
    'GET /api/calls/{call_id}': '200 200 200 200 403 200/404 200/404 401',
    'GET /api/calls/{call_id}/events': '200 200 200 200 403 200/404 200/404 401',
    'GET /api/calls/{call_id}/record': '200 200 200 200 403 403 403 401',
    'GET /api/calls/{call_id}/wrap-up': '403 403 403 403 403 403 403 401',
    'GET /api/follow-ups': '200 403 200 403 403 403 403 401',
    'GET /api/hub-status': '200 200 200 200 403 200 200 401',
    'GET /api/me': '200 200 200 200 200 200 200 401',
    'GET /api/openapi.json': '200 200 200 200 200 200 200 200',
    'GET /api/photos/{photo_id}': '200 200 200 200 403 200/404 200/404 401',
    'GET /api/reports/hub': '403 403 403 200 403 403 403 401',
    'GET /api/reports/monthly': '200 200 403 200 200/403 403 403 401',
    'GET /api/residents': '200 200 200 200 403 200 200 401',
    'GET /api/residents/{person_id}': '200 200 200 200 403 200/404 200/404 401',
    'GET /api/residents/{person_id}/summary': '200 200 200 200 403 403 403 401',
    'GET /api/shift': '403 403 403 200 403 403 403 401',
    'GET /api/sites': '200 200 200 200 200 200 200 401',
    'GET /api/sites/{site_id}/messages': '200 200 200 200 403 200/404 200/404 401',
    'GET /console': '200 200 403 200 403 403 403 302',
    'GET /console/calls/{call_id}': '200 200 200 200 403 403 403 302',
    'GET /console/follow-ups': '200 403 200 403 403 403 403 302',
    'GET /console/history': '200 200 200 200 403 403 403 302',
    'GET /enrol': '200 200 200 200 200 200 200 200',
    'GET /healthz': '200 200 200 200 200 200 200 200',
    'GET /login': '200 200 200 200 200 200 200 200',
    'GET /me': '200 200 200 200 200 200 200 302',
    'GET /readyz': '200 200 200 200 200 200 200 200',
    'GET /reports': '200 200 403 200 200/403 403 403 302',
    'GET /reports/hub': '403 403 403 200 403 403 403 302',
    'GET /tablet': '403 403 403 403 403 200 200 302',
    'GET /tablet/clinics': '403 403 403 403 403 200 200 302',
    'GET /tablet/call': '403 403 403 403 403 200 200 302',
    'GET /tablet/check': '403 403 403 403 403 200 200 302',
    'GET /tablet/messages': '403 403 403 403 403 200 200 302',
    'GET /ws': '400 400 400 400 400 400 400 400',
    'POST /admin/imports': '403 403 403 422 403 403 403 401',
    'POST /api/auth/login': '200 200 200 200 200 200 200 200',
    'POST /api/auth/logout': '200 200 200 200 200 200 200 200',
    'POST /api/auth/ticket': '201 201 201 201 201 201 201 401',
    'POST /api/calls/{call_id}/amendments': '403 403 201 403 403 403 403 401',
    'POST /api/calls/{call_id}/outcome': '403 403 403 403 403 403 403 401',
    'POST /api/devices': '403 403 403 201 403 403 403 401',
    'POST /api/devices/enrol': '401 401 401 401 401 401 401 401',
    'POST /api/devices/signin': '401 401 401 401 401 401 401 401',
    'POST /api/follow-ups/{task_id}': '200 403 200 403 403 403 403 401',
    'POST /api/imports': '403 403 403 422 403 403 403 401',
    'POST /api/photos': '403 403 403 403 403 201 201 401',
    'POST /api/residents': '201 403 403 201 403 201/404 201/404 401',
    'POST /api/users': '403 403 403 201 403 403 403 401',
    'POST /console/calls/{call_id}/amendments': '403 403 303 403 403 403 403 401',
    'POST /console/follow-ups/{task_id}': '303 403 303 403 403 403 403 401',
    'POST /login': '302 302 302 302 302 302 302 302',
    'PUT /api/calls/{call_id}/wrap-up': '403 403 403 403 403 403 403 401',
}

COMMANDS: dict[str, str] = {
    #                      nurse spec lead admin comm staff device
    'call/accept': '409 403 403 403 403 403 403',
    'call/cancel': '403 403 403 403 403 409/404 409/404',
    'call/close': '403 403 403 403 403 403 403',
    'call/end': '403 403 403 403 403 403 403',
    'call/get': 'ok ok 403 ok 403 ok/404 ok/404',
    'call/hold': '403 403 403 403 403 403 403',
    'call/invite': '403 403 403 403 403 403 403',
    'call/join': '403 403 403 403 403 403 403',
    'call/leave': '409 409 403 403 403 409/404 409/404',
    'call/quality': '403 403 403 403 403 403/404 403/404',
    'call/start': '403 403 403 403 403 ok/404 ok/404',
    'call/transfer': '422 403 403 403 403 403 403',
    'echo/start': '422 422 403 422 403 422 422',
    'echo/stop': '404 404 403 404 403 404 404',
    'message/ack': 'ok ok 403 ok 403 ok ok',
    'message/send': 'ok ok 403 ok 403 ok/404 ok/404',
    'message/sync': 'ok ok 403 ok 403 ok ok',
    'ping': 'ok ok ok ok ok ok ok',
    'presence/set': 'ok ok 403 ok 403 403 403',
    'presence/subscribe': 'ok ok 403 ok 403 403 403',
    'queue/subscribe': 'ok ok 403 ok 403 403 403',
    'queue/unsubscribe': '404 404 403 404 403 403 403',
    'signal/answer': '403 403 403 403 403 403 403',
    'signal/candidate': '403 403 403 403 403 403 403',
    'signal/hangup': '403 403 403 403 403 403 403',
    'signal/offer': '403 403 403 403 403 403 403',
}
# fmt: on
