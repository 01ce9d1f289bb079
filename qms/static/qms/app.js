// Small behaviour every page shares (a file, not inline: the Content Security Policy allows no
// inline script).
(function () {
  "use strict";

  // Stacked tables on a phone: each cell says which column it is in (its header's text), so a
  // row read as a card still reads right. Cells that already say (data-label) are left alone. The
  // first cell is the card's title (a reference, a name) and goes unlabelled, unless it is a bare
  // number ("Round: 1", "#: 3", "Lot size: 500", not a card titled "1").
  const BARE_NUMBER = /^\s*[\d.,]+\s*$/;
  function label(root) {
    root.querySelectorAll("table.table-stack").forEach((table) => {
      const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
      table.querySelectorAll("tbody tr").forEach((tr) => {
        Array.from(tr.children).forEach((cell, i) => {
          const titled = i === 0 && !BARE_NUMBER.test(cell.textContent);
          if (!cell.hasAttribute("data-label") && heads[i] && !titled) cell.setAttribute("data-label", heads[i]);
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", () => label(document));

  // A link to a part of a page (#actions, #effectiveness) opens the folded section it is in.
  function unfold() {
    const id = decodeURIComponent(window.location.hash.slice(1));
    let el = id && document.getElementById(id);
    while (el) {
      if (el.tagName === "DETAILS") el.open = true;
      el = el.parentElement;
    }
  }
  document.addEventListener("DOMContentLoaded", unfold);
  window.addEventListener("hashchange", unfold);

  // A destructive button (data-confirm="Make this document obsolete? …") asks before it submits.
  document.addEventListener(
    "click",
    (e) => {
      const button = e.target.closest("[data-confirm]");
      // An incomplete form is not confirmed: the browser shows what is missing beside the box.
      if (button && button.form && !button.form.checkValidity()) return;
      if (button && !window.confirm(button.getAttribute("data-confirm"))) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
    },
    true,
  );
  // A required reason of only spaces is refused beside its box in the step's own words
  // (data-prompt="Say why the meeting is cancelled."), as the server would refuse it.
  document.addEventListener(
    "invalid",
    (e) => {
      const box = e.target;
      if (box.dataset && box.dataset.prompt && box.validity.patternMismatch) box.setCustomValidity(box.dataset.prompt);
    },
    true,
  );
  document.addEventListener("input", (e) => {
    if (e.target.dataset && e.target.dataset.prompt) e.target.setCustomValidity("");
  });
  document.addEventListener("htmx:afterSwap", (e) => label(e.target));

  // A form sent once is not sent again by a second click while its answer is on the way (a
  // double-click on Save made two NCRs). A form htmx sends (its submit already taken) is left to
  // it; after a few seconds, or back on the page from the browser's history, it may be sent again
  // (a download answers without leaving the page).
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (e.defaultPrevented || !(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    if (form.dataset.sent) {
      e.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    window.setTimeout(() => delete form.dataset.sent, 5000);
  });
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) document.querySelectorAll("form[data-sent]").forEach((form) => delete form.dataset.sent);
  });

  // A form the server refused comes back with its wrong fields marked (aria-invalid): the first
  // one takes the focus, so a keyboard or a screen reader starts at what to correct rather than at
  // the top of the page, and the tab's title says the page is an error.
  document.addEventListener("DOMContentLoaded", () => {
    const wrong = Array.from(document.querySelectorAll('main [aria-invalid="true"]')).find((f) => f.type !== "hidden");
    if (!wrong) return;
    if (!document.title.startsWith("Error: ")) document.title = "Error: " + document.title;
    // A picker's own select is hidden: its search box is what one types into.
    const target = wrong.classList.contains("visually-hidden") && wrong.dataset.pickerReady
      ? wrong.parentNode.querySelector("input[type=search]") || wrong
      : wrong;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  });

  // A chart's region is a tab stop only while it scrolls (a phone's 390 px): where the chart fits
  // it would be a stop with nothing to do.
  function scrollStops() {
    document.querySelectorAll(".chart-scroll").forEach((region) => {
      if (region.scrollWidth > region.clientWidth + 1) region.tabIndex = 0;
      else region.removeAttribute("tabindex");
    });
  }
  document.addEventListener("DOMContentLoaded", scrollStops);
  window.addEventListener("resize", scrollStops);
  document.addEventListener("htmx:afterSettle", scrollStops);

  // A box htmx polls (an audit pack's progress) is replaced whole each second, which a live region
  // would read out each time: the box names its state (data-announce) and a live region that stays
  // on the page (data-announce-for="<the box's id>") says it once, when it changes.
  function announce() {
    document.querySelectorAll("[data-announce-for]").forEach((region) => {
      const box = document.getElementById(region.dataset.announceFor);
      const said = box ? box.dataset.announce || "" : "";
      if (said && region.textContent !== said) region.textContent = said;
    });
  }
  document.addEventListener("htmx:afterSettle", announce);
})();
