/* Page behaviour that templates ask for with data- attributes. The
   Content-Security-Policy refuses inline scripts and onclick= handlers, so
   every listener lives here, attached once to the document: it also covers
   markup that htmx swaps in later. */
(function () {
  "use strict";

  // <select data-tx-autosubmit> (or a checkbox): a GET filter form that
  // reloads as soon as the choice changes.
  document.addEventListener("change", function (e) {
    var field = e.target;
    if (field.hasAttribute && field.hasAttribute("data-tx-autosubmit") && field.form) {
      field.form.submit();
    }
  });

  // <form data-tx-confirm="…">: ask before an irreversible POST.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var message = form.getAttribute && form.getAttribute("data-tx-confirm");
    if (message && !window.confirm(message)) {
      e.preventDefault();
    }
  });

  document.addEventListener("click", function (e) {
    var target = e.target.closest ? e.target : e.target.parentElement;
    if (!target) return;

    // <button data-tx-confirm="…">: the same question for one submit button.
    var button = target.closest("button[data-tx-confirm]");
    if (button && !window.confirm(button.getAttribute("data-tx-confirm"))) {
      e.preventDefault();
      return;
    }

    // The 菜单 button of the narrow layout: opens and folds the navigation.
    var menu = target.closest("[data-tx-menu]");
    if (menu) {
      var open = menu.getAttribute("aria-expanded") !== "true";
      menu.setAttribute("aria-expanded", open ? "true" : "false");
      menu.closest(".tx-sidebar").classList.toggle("tx-nav-open", open);
      return;
    }

    if (target.closest("[data-tx-print]")) {
      window.print();
      return;
    }

    // <a data-tx-with-search="/base/">: the link carries the page's current
    // query, which htmx filters may have changed since the page was rendered.
    var link = target.closest("a[data-tx-with-search]");
    if (link) {
      link.href = link.getAttribute("data-tx-with-search") + window.location.search;
    }
  });

  // Person form: narrow the subcategory choices to the chosen group (the
  // server renders the <option>s; the form names the URL).
  document.addEventListener("change", function (e) {
    var select = e.target;
    var url = select.form && select.form.getAttribute("data-tx-subcategory-url");
    if (select.id === "id_group" && url) {
      htmx.ajax("GET", url + "?group=" + encodeURIComponent(select.value), {
        target: "#id_subcategory",
        swap: "innerHTML"
      });
    }
  });

  // Person picker (service/_person_picker.html): a person ticked in the
  // search results joins the chosen list, so a new search keeps them.
  document.addEventListener("change", function (e) {
    var input = e.target;
    var results = input.closest && input.closest("[data-tx-picker]");
    if (!results || !input.checked) return;
    var field = results.getAttribute("data-tx-picker");
    if (input.name !== field) return;
    var chosen = document.querySelector('[data-testid="chosen-' + field + '"]');
    var item = input.closest(".form-check");
    if (results.getAttribute("data-tx-multiple") !== "true") {
      chosen.innerHTML = "";
    } else if (chosen.querySelector('input[value="' + CSS.escape(input.value) + '"]')) {
      item.remove();
      return;
    }
    chosen.appendChild(item);
  });

  // <input data-tx-search-only>: a search box inside a larger form (the
  // person picker). Enter runs the search; it must not submit the form
  // around it, which would save a suggestion with half its submitters.
  document.addEventListener("keydown", function (e) {
    var input = e.target;
    if (e.key !== "Enter" || e.isComposing || !input.hasAttribute) return;
    if (!input.hasAttribute("data-tx-search-only")) return;
    e.preventDefault();
    htmx.trigger(input, "search");
  });
})();
