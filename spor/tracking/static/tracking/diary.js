// The week grid: arrow keys move between days (up and down by a week), Enter goes to the
// next day, and a cell's text is selected on arrival so that typing replaces it.
document.addEventListener("DOMContentLoaded", () => {
  const iso = (d) => [d.getFullYear(), String(d.getMonth() + 1).padStart(2, "0"),
    String(d.getDate()).padStart(2, "0")].join("-");
  for (const table of document.querySelectorAll("table.tlfb")) {
    const byDay = new Map();
    for (const input of table.querySelectorAll("input")) byDay.set(input.dataset.day, input);
    const move = (input, step) => {
      const [y, m, d] = input.dataset.day.split("-").map(Number);
      for (let n = 1; n <= 62; n++) {
        const next = byDay.get(iso(new Date(y, m - 1, d + step * n)));
        if (!next) return;
        if (!next.disabled) { next.focus(); next.select(); return; }
        if (Math.abs(step) === 7) return;
      }
    };
    for (const input of byDay.values()) {
      input.addEventListener("focus", () => input.select());
      input.addEventListener("keydown", (event) => {
        const steps = {ArrowRight: 1, ArrowLeft: -1, ArrowDown: 7, ArrowUp: -7, Enter: 1};
        if (!(event.key in steps)) return;
        const selected = input.selectionStart !== input.selectionEnd;
        if (event.key === "ArrowRight" && !selected && input.selectionEnd < input.value.length) return;
        if (event.key === "ArrowLeft" && !selected && input.selectionStart > 0) return;
        event.preventDefault();
        move(input, steps[event.key]);
      });
    }
  }
});
