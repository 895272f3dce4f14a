// A site's message thread as the tablet shows it, on the messages page and in the box beside
// a call: each message once (by id), in thread order (by site sequence), the tablet's own
// marked "You", with its time and any photo.

import { el } from "/js/shared/dom.js";
import { londonTime } from "./ui.js";

export function messageItem(message, { mine, seqField = "site_seq" }) {
  return el(
    "li",
    {
      class: `tablet-thread__message${mine ? " tablet-thread__message--mine" : ""}`,
      "data-message-id": message.id,
      "data-seq": message[seqField],
    },
    el(
      "p",
      { class: "tablet-thread__meta" },
      el("span", { class: "tablet-thread__who", text: mine ? "You" : message.sender_name }),
      " ",
      el("time", { datetime: message.created_at, text: londonTime(message.created_at) }),
    ),
    el("p", { class: "tablet-thread__body", text: message.body }),
    message.photo_id
      ? el("img", {
          src: `/api/photos/${message.photo_id}`,
          alt: `Photo sent by ${mine ? "you" : message.sender_name}`,
          class: "tablet-thread__photo",
          loading: "lazy",
        })
      : null,
  );
}

// Put a message in its list, unless it is there already. True when it was added. The order is
// the reader's thread's (``seqField``: a site's, or one person's own for their device).
export function showInThread(list, message, { selfKey, seqField = "site_seq" }) {
  if (list.querySelector(`[data-message-id="${message.id}"]`)) return false;
  const item = messageItem(message, { mine: message.sender_key === selfKey, seqField });
  const later = [...list.children].find((li) => Number(li.dataset.seq) > message[seqField]);
  list.insertBefore(item, later ?? null);
  return true;
}
