// The home screen: unread messages and a call still in progress.

import { HubSocket } from "/js/shared/signalling.js";
import { tabletAuth } from "./device.js";
import { $ } from "/js/shared/dom.js";
import { bindConnection } from "./ui.js";

const hub = new HubSocket({ getAuth: tabletAuth, resumeMessages: false });
bindConnection(hub);
window.telehubTablet = { hub };

let unread = null; // known once the thread has been synced
let selfKey = null;

function showUnread() {
  const badge = $("#unread-badge");
  badge.textContent = `${unread} unread`;
  badge.hidden = !unread;
}

hub.addEventListener("message", (e) => {
  if (unread === null || e.detail.sender_key === selfKey) return;
  unread += 1;
  showUnread();
});

hub.addEventListener("open", async (e) => {
  selfKey = e.detail.who.participant_key;
  const live = (e.detail.calls ?? []).some((c) => ["requested", "queued", "ringing", "connected", "on_hold"].includes(c.state));
  $("#resume").hidden = !live;
  try {
    unread = null;
    unread = (await hub.command("message/sync", { after_seq: hub.lastSeq })).unread;
    showUnread();
  } catch {
    /* the badge is a nicety */
  }
});

hub.start();
