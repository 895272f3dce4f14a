// Keyboard shortcuts for the console. Single keys act only when the nurse is not typing in a
// field; Escape leaves a field so the next key is a shortcut again.

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
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const name = event.shiftKey && key === "e" ? "shift+e" : key === "?" ? "?" : event.shiftKey ? null : key;
    const action = name && actions[name];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
