// Short sounds for someone who may not be looking at the screen: the console's alerts, the
// tablet's "the nurse has answered" and "a new message". WebAudio tones, no audio files.
// Browsers let a page make sound only after a touch or key press, so the first one unlocks.

let shared = null;

function context() {
  if (shared) return shared;
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  shared = new Context();
  return shared;
}

export function unlockOnFirstTouch() {
  const unlock = () => context()?.resume?.();
  window.addEventListener("pointerdown", unlock, { once: true });
  window.addEventListener("keydown", unlock, { once: true });
}

// tones: frequencies in Hz, played one after another, each ``length`` seconds.
export function playTones({ tones = [880, 1100], length = 0.16 } = {}) {
  const ctx = context();
  if (!ctx) return false;
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
  return true;
}

// The tablet's cues: a rising chime when the nurse answers, two soft notes for a message.
export const ANSWERED = { tones: [523, 659, 784, 1047], length: 0.22 };
export const NEW_MESSAGE = { tones: [988, 1319], length: 0.14 };
