// Keyboard shortcuts for the console. Single keys act only when the nurse is not typing in a
// field; Escape leaves a field so the next key is a shortcut again. Single-key shortcuts can
// be turned off (WCAG 2.1.4): the setting is kept on this computer.

const STORAGE_KEY = "telehub.console.single-keys";

export function singleKeysOn() {
  return localStorage.getItem(STORAGE_KEY) !== "off";
}

// The "Single-key shortcuts" checkbox: shows and keeps the setting.
export function bindSingleKeySetting(checkbox) {
  checkbox.checked = singleKeysOn();
  checkbox.addEventListener("change", () => localStorage.setItem(STORAGE_KEY, checkbox.checked ? "on" : "off"));
}

export function bindShortcuts(actions) {
  window.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing =
      target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    if (event.key === "Escape" && typing) {
      target.blur();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey || !singleKeysOn()) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const name = event.shiftKey && key === "e" ? "shift+e" : key === "?" ? "?" : event.shiftKey ? null : key;
    const action = name && actions[name];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
