// The picker: a search box above every select[data-picker] that finds people by name, role or
// department, or the rows of another long list (GET <data-picker>?q=… answers {"results": […]}),
// and adds the one chosen to the select. The box says what it finds (data-picker-hint, -find).
(function () {
  "use strict";

  function option(select, person) {
    let found = Array.from(select.options).find((o) => o.value === String(person.id));
    if (!found) {
      found = new Option(person.label, person.id);
      select.add(found);
    }
    if (!select.multiple) {
      Array.from(select.options).forEach((o) => { o.selected = false; });
    }
    found.selected = true;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function enhance(select) {
    const box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.dataset.pickerHint || "Type a name, role or department…";
    box.setAttribute("aria-label", select.dataset.pickerFind || "Find a person");
    box.setAttribute("autocomplete", "off");
    const list = document.createElement("div");
    list.className = "list-group picker-results mb-1";
    // What a search found, said politely to a screen reader ("3 results", "No match").
    const found = document.createElement("div");
    found.className = "visually-hidden";
    found.setAttribute("role", "status");
    found.setAttribute("aria-live", "polite");
    found.dataset.testid = "picker-status";
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(found, select);
    select.parentNode.insertBefore(list, select);
    if (select.multiple) {
      // Those chosen, each a button that removes it (a phone has no Delete key, and a click in a
      // multiple select would unselect every other one): the select itself is only the form's.
      const chosen = document.createElement("div");
      chosen.className = "d-flex flex-wrap gap-1 mb-1";
      chosen.dataset.testid = "picker-chosen";
      select.parentNode.insertBefore(chosen, select);
      select.classList.add("visually-hidden");
      select.tabIndex = -1;
      const draw = () => {
        chosen.replaceChildren(...Array.from(select.options).filter((o) => o.selected).map((o) => {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "btn btn-sm btn-outline-secondary";
          b.textContent = o.text + " ×";
          b.setAttribute("aria-label", "Remove " + o.text);
          b.addEventListener("click", () => {
            o.remove();
            select.dispatchEvent(new Event("change", { bubbles: true }));
            box.focus(); // the button is gone: the focus would fall to the page's top
          });
          return b;
        }));
      };
      select.addEventListener("change", draw);
      draw();
    }
    const results = () => Array.from(list.querySelectorAll("button"));
    // Enter in the box chooses the first result (or does nothing): it never sends the form around
    // the picker half-filled. Arrow down steps into the results, up and down between them, Escape
    // back to the box.
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        // Only the results of what the box says now (not those of a word still being typed).
        const first = shown === box.value.trim() && results()[0];
        if (first) first.click();
      } else if (e.key === "ArrowDown" && results().length) {
        e.preventDefault();
        results()[0].focus();
      } else if (e.key === "Escape" && results().length) {
        e.preventDefault();
        list.replaceChildren();
        found.textContent = "";
      }
    });
    list.addEventListener("keydown", (e) => {
      const all = results();
      const at = all.indexOf(document.activeElement);
      if (at < 0) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const next = at + (e.key === "ArrowDown" ? 1 : -1);
        if (next < 0) box.focus();
        else all[Math.min(next, all.length - 1)].focus();
      } else if (e.key === "Escape") {
        e.preventDefault();
        box.focus();
      }
    });
    let timer = null;
    let asked = "";
    let shown = "";
    box.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const q = box.value.trim();
        asked = q;
        if (q.length < 1) { list.replaceChildren(); found.textContent = ""; return; }
        fetch(select.dataset.picker + (select.dataset.picker.includes("?") ? "&" : "?") + "q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then((r) => (r.ok ? r.json() : { results: [] }))
          .then((data) => {
            if (asked !== q) return;
            list.replaceChildren(...data.results.map((person) => {
              const b = document.createElement("button");
              b.type = "button";
              b.className = "list-group-item list-group-item-action py-1";
              b.textContent = person.label;
              b.dataset.testid = "picker-result";
              b.addEventListener("click", () => {
                option(select, person);
                list.replaceChildren();
                box.value = "";
                found.textContent = person.label + " chosen";
                box.focus(); // the result is gone: the focus would fall to the page's top
              });
              return b;
            }));
            shown = q;
            const n = data.results.length;
            found.textContent = n ? n + (n === 1 ? " result" : " results") : "No match";
          });
      }, 150);
    });
  }

  function init(root) {
    root.querySelectorAll("select[data-picker]:not([data-picker-ready])").forEach((s) => {
      s.dataset.pickerReady = "1";
      enhance(s);
    });
  }
  document.addEventListener("DOMContentLoaded", () => init(document));
  document.addEventListener("htmx:afterSwap", (e) => init(e.target));
})();
