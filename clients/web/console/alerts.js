// Audible and visible alerts: a short WebAudio beep, a banner that screen readers announce,
// and the waiting count in the tab's title (seen even when the tab is in the background).

import { playTones, unlockOnFirstTouch } from "/js/shared/chime.js";

const STORAGE_KEY = "telehub.console.sound";

export class Alerts {
  constructor({ banner, toggle }) {
    this.banner = banner;
    this.toggle = toggle;
    this.soundOn = localStorage.getItem(STORAGE_KEY) !== "off";
    this.baseTitle = document.title;
    this.hideTimer = null;
    this.renderToggle();
    toggle.addEventListener("click", () => {
      this.soundOn = !this.soundOn;
      localStorage.setItem(STORAGE_KEY, this.soundOn ? "on" : "off");
      this.renderToggle();
      if (this.soundOn) this.beep({ tones: [660] });
    });
    unlockOnFirstTouch();
  }

  renderToggle() {
    this.toggle.textContent = this.soundOn ? "Sound on" : "Sound off";
    this.toggle.setAttribute("aria-pressed", String(this.soundOn));
  }

  // tones: frequencies in Hz, played one after another.
  beep(sound = {}) {
    if (!this.soundOn) return;
    if (playTones(sound)) this.lastBeepAt = Date.now();
  }

  show(text, { tone = "info", sound = null, sticky = false } = {}) {
    this.banner.textContent = text;
    this.banner.dataset.tone = tone;
    this.banner.classList.add("console-alert--visible");
    if (sound) this.beep(sound);
    clearTimeout(this.hideTimer);
    if (!sticky) this.hideTimer = setTimeout(() => this.clear(), 12000);
  }

  clear() {
    this.banner.classList.remove("console-alert--visible");
    this.banner.textContent = "";
  }

  title(waiting) {
    document.title = waiting > 0 ? `(${waiting} waiting) ${this.baseTitle}` : this.baseTitle;
  }
}

export const NEW_CALL = { tones: [880, 1175] };
export const OVERDUE = { tones: [988, 740, 988, 740], length: 0.14 };
export const RING = { tones: [784, 988, 1175] };
export const WAITING_MESSAGE = { tones: [1175, 880, 1175] };
