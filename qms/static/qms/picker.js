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
    select.parentNode.insertBefore(box, select);
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
          });
          return b;
        }));
      };
      select.addEventListener("change", draw);
      draw();
    }
    let timer = null;
    let asked = "";
    box.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const q = box.value.trim();
        asked = q;
        if (q.length < 1) { list.replaceChildren(); return; }
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
              });
              return b;
            }));
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
