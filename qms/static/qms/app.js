// Small behaviour every page shares (a file, not inline: the Content Security Policy allows no
// inline script).
(function () {
  "use strict";

  // Stacked tables on a phone: each cell says which column it is in (its header's text), so a
  // row read as a card still reads right. Cells that already say (data-label) are left alone.
  function label(root) {
    root.querySelectorAll("table.table-stack").forEach((table) => {
      const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
      table.querySelectorAll("tbody tr").forEach((tr) => {
        Array.from(tr.children).forEach((cell, i) => {
          if (!cell.hasAttribute("data-label") && heads[i] && i > 0) cell.setAttribute("data-label", heads[i]);
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", () => label(document));
  document.addEventListener("htmx:afterSwap", (e) => label(e.target));
})();
