"""``telehub-client``: enrol a headless device, run it as a tablet, or check its equipment.

    telehub-client enrol  --hub https://hub.example --code ABCD-1234 --credential-file tablet.json
    telehub-client device --hub https://hub.example --credential-file tablet.json --call
    telehub-client check  --hub https://hub.example --credential-file tablet.json

The credential is written to its file readable by its owner only (0600) and is never
printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from schemas.codes import Channel, HomeIntent, Reason

from .connection import CommandFailed, HubConnection
from .echo import echo_check
from .media import CallMedia

DEFAULT_FILE = "telehub-device.json"
RECONNECT_ATTEMPTS = 10_000  # about 19 hours at 7 s apart


class CliError(Exception):
    """A problem the user can act on: printed as one line, exit status 1."""


# -- the credential file --------------------------------------------------------------------
def save_credential(path: Path, hub: str, device_id: int, credential: str) -> None:
    body = json.dumps({"hub": hub, "device_id": device_id, "credential": credential}, indent=2)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file was already there with wider permissions
    with os.fdopen(fd, "w") as out:
        out.write(body + "\n")


def load_credential(path: Path) -> str:
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise CliError(f"Cannot read the credential file {path}: {exc.strerror}") from None
    if path.stat().st_mode & 0o077:
        logging.getLogger("telehub_client").warning(
            "%s is readable by others; run: chmod 600 %s", path, path
        )
    if text.startswith("{"):
        credential = json.loads(text).get("credential")
        if not isinstance(credential, str) or not credential:
            raise CliError(f"{path} has no credential in it; enrol again")
        return credential
    return text


def ws_url(hub: str) -> str:
    base = hub.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://") + "/ws"
    if base.startswith("http://"):
        return "ws://" + base.removeprefix("http://") + "/ws"
    if base.startswith(("ws://", "wss://")):
        return base if base.endswith("/ws") else base + "/ws"
    raise CliError("--hub must be a URL starting with http:// or https://")


def http_url(hub: str) -> str:
    base = hub.rstrip("/").removesuffix("/ws")
    return base.replace("wss://", "https://", 1).replace("ws://", "http://", 1)


# -- enrol ------------------------------------------------------------------------------
async def enrol(hub: str, code: str, path: Path) -> int:
    url = http_url(hub) + "/api/devices/enrol"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"enrolment_code": code}) as response,
    ):
        body = await response.json(content_type=None)
    if response.status != 201:
        message = body.get("message") if isinstance(body, dict) else None
        raise CliError(f"The hub refused the code: {message or response.status}")
    save_credential(path, http_url(hub), int(body["device_id"]), str(body["credential"]))
    print(f"Enrolled as device {body['device_id']}; the credential is saved in {path} (0600).")
    return 0


# -- device -------------------------------------------------------------------------------
async def open_connection(hub: str, path: Path) -> HubConnection:
    credential = load_credential(path)

    async def auth() -> dict[str, Any]:
        return {"type": "auth", "credential": credential}

    try:
        return await HubConnection.open(ws_url(hub), auth)
    except CommandFailed as exc:
        raise CliError(f"The hub refused this device: {exc.message}") from None
    except OSError as exc:
        raise CliError(f"Cannot reach the hub at {hub}: {exc}") from None


def describe(event: dict[str, Any]) -> str:
    kind = event.get("kind")
    if kind == "call":
        call = event["call"]
        people = ", ".join(
            f"{p['name']} ({p['role']}{'' if p['connected'] else ', away'})"
            for p in call.get("participants", [])
        )
        return f"call {call['id'][:8]} {call['state']}: {people}"
    if kind == "message":
        message = event["message"]
        return f"message from {message['sender_name']}: {message['body']}"
    return json.dumps(event)[:200]


async def run_device(args: argparse.Namespace) -> int:
    conn = await open_connection(args.hub, args.credential_file)
    who = conn.auth_ok["who"]
    print(f"Connected as {who['name']} ({who['participant_key']}).")
    ice: list[dict[str, Any]] | None = [] if args.no_stun else None
    medias: dict[str, CallMedia] = {}

    async def join(call: dict[str, Any]) -> None:
        if call["id"] not in medias:
            medias[call["id"]] = media = CallMedia(conn, call["id"], ice_servers=ice)
            await media.start(call)

    try:
        for call in conn.auth_ok.get("calls", []):
            print(f"Back in call {call['id'][:8]} ({call['state']}).")
            await join(call)
        mine: str | None = None
        if args.call:
            call = await conn.command(
                "call/start",
                client_call_id=f"cli-{uuid.uuid4().hex[:12]}",
                channel=args.channel,
                reason=args.reason,
                home_intent=args.intent,
                concern=args.concern,
            )
            mine = call["id"]
            print(f"Asked for help: call {call['id'][:8]} is {call['state']}.")
            await join(call)
        while True:
            event = await next_event_or_reconnect(conn)
            if event is None:
                continue
            print(describe(event))
            call = event.get("call") or {}
            if mine is not None and event.get("kind") == "call" and call.get("id") == mine:
                if call["state"] in ("closed", "cancelled", "abandoned", "wrap_up"):
                    media = medias.get(mine)
                    if media is not None:
                        for key, counts in media.frames.items():
                            print(
                                f"  from {key}: {counts.video} video, {counts.audio} audio frames"
                            )
                    return 0
    finally:
        for media in medias.values():
            await media.close()
        await conn.close()


async def next_event_or_reconnect(conn: HubConnection) -> dict[str, Any] | None:
    """The next event; if the socket drops meanwhile, reconnect (media carries on)."""
    get = asyncio.ensure_future(conn.events.get())
    lost = asyncio.ensure_future(conn.lost.wait())
    done, _ = await asyncio.wait({get, lost}, return_when=asyncio.FIRST_COMPLETED)
    lost.cancel()
    if get in done:
        frame = get.result()
        return frame.get("event") if frame.get("type") == "event" else None
    get.cancel()
    print("Lost the hub; media carries on. Reconnecting…")
    try:
        again = await conn.come_back(attempts=RECONNECT_ATTEMPTS)
    except CommandFailed as exc:
        raise CliError(f"The hub refused this tablet: {exc.message}") from None
    except Exception:
        raise CliError("Could not reach the hub again") from None
    calls = ", ".join(c["id"][:8] for c in again.get("calls", [])) or "none"
    print(f"Reconnected; calls in progress: {calls}.")
    return None


# -- check --------------------------------------------------------------------------------
async def run_check(args: argparse.Namespace) -> int:
    conn = await open_connection(args.hub, args.credential_file)
    try:
        report = await echo_check(conn, seconds=args.seconds)
    except CommandFailed as exc:
        raise CliError(f"The hub could not start a test call: {exc.message}") from None
    finally:
        await conn.close()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.verdict)
        print(
            f"  picture round trip {report.picture_round_trip_ms or 0:.0f} ms, network round "
            f"trip {report.network_round_trip_ms or 0:.0f} ms, received "
            f"{report.received_kbps or 0:.0f} kbit/s, {report.video_frames} video frames back"
        )
    return 0 if report.ok else 1


# -- entry point --------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="telehub-client",
        description="Enrol a headless device, run it as a tablet, or check its equipment.",
    )
    top.add_argument("-v", "--verbose", action="store_true", help="log media and signalling")
    sub = top.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example")
        p.add_argument("--credential-file", type=Path, default=Path(DEFAULT_FILE))

    p = sub.add_parser("enrol", help="enrol this device with a code from the hub admin")
    common(p)
    p.add_argument("--code", required=True)

    p = sub.add_parser("device", help="run as a headless tablet")
    common(p)
    p.add_argument("--call", action="store_true", help="ask for help and stream test media")
    p.add_argument("--channel", default=Channel.CARE_HOME.value, choices=[c.value for c in Channel])
    p.add_argument("--reason", default=Reason.OTHER.value, choices=[r.value for r in Reason])
    p.add_argument(
        "--intent", default=HomeIntent.UNKNOWN.value, choices=[h.value for h in HomeIntent]
    )
    p.add_argument("--concern", default="Test call from telehub-client")
    p.add_argument("--no-stun", action="store_true", help="host candidates only")

    p = sub.add_parser("check", help="a test call to the hub's echo peer, with a verdict")
    common(p)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--json", action="store_true")
    return top


async def run(args: argparse.Namespace) -> int:
    if args.command == "enrol":
        return await enrol(args.hub, args.code, args.credential_file)
    if args.command == "device":
        return await run_device(args)
    return await run_check(args)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return asyncio.run(run(args))
    except CliError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
