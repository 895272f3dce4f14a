// Audible and visible alerts: a short WebAudio beep, a banner that screen readers announce,
// and the waiting count in the tab's title (seen even when the tab is in the background).

const STORAGE_KEY = "telehub.console.sound";

export class Alerts {
  constructor({ banner, toggle }) {
    this.banner = banner;
    this.toggle = toggle;
    this.context = null;
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
    // Browsers let a page make sound only after the user has interacted with it.
    const unlock = () => this.audio()?.resume?.();
    window.addEventListener("pointerdown", unlock, { once: true });
    window.addEventListener("keydown", unlock, { once: true });
  }

  renderToggle() {
    this.toggle.textContent = this.soundOn ? "Sound on" : "Sound off";
    this.toggle.setAttribute("aria-pressed", String(this.soundOn));
  }

  audio() {
    if (this.context) return this.context;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    this.context = new Context();
    return this.context;
  }

  // tones: frequencies in Hz, played one after another.
  beep({ tones = [880, 1100], length = 0.16 } = {}) {
    if (!this.soundOn) return;
    const ctx = this.audio();
    if (!ctx) return;
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    let at = ctx.currentTime + 0.01;
    for (const frequency of tones) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + length + 0.02);
      at += length + 0.06;
    }
    this.lastBeepAt = Date.now();
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
