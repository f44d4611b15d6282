/* Choosing rows for a bulk action (the person list, an activity's or a
   training's participants). Without script the checkboxes still submit;
   this adds "select the page", the running count and disabled buttons.

   Markup: a form with data-tx-bulk; row checkboxes [data-bulk-row] (in it or
   tied to it with form=); a header checkbox #bulk-page; optional
   "all matching" checkbox #bulk-all with data-total; [data-bulk-count] for
   the text; buttons [data-bulk-action] enabled once something is chosen. */
(function () {
  "use strict";

  function rows(form) {
    return Array.prototype.slice.call(
      document.querySelectorAll('[data-bulk-row][form="' + form.id + '"], #' + form.id + " [data-bulk-row]")
    );
  }

  function refresh(form) {
    if (!form) return;
    var ticked = rows(form).filter(function (box) { return box.checked; }).length;
    var all = form.querySelector("#bulk-all");
    var everything = all && all.checked;
    var text = everything
      ? "已选择全部符合条件的 " + Number(all.getAttribute("data-total")).toLocaleString("zh-CN") + " 人"
      : (ticked ? "已选择 " + ticked + " 人" : "未选择人员");
    var counter = form.querySelector("[data-bulk-count]");
    if (counter) counter.textContent = text;
    form.querySelectorAll("[data-bulk-action]").forEach(function (button) {
      button.disabled = !(everything || ticked);
    });
  }

  function formOf(box) {
    var id = box.getAttribute("form");
    return id ? document.getElementById(id) : box.closest("form");
  }

  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches) return;
    if (box.matches("#bulk-page")) {
      var form = document.querySelector("form[data-tx-bulk]");
      if (!form) return;
      rows(form).forEach(function (row) { row.checked = box.checked; });
      refresh(form);
    } else if (box.matches("[data-bulk-row], #bulk-all")) {
      refresh(formOf(box));
    }
  });

  function init() { document.querySelectorAll("form[data-tx-bulk]").forEach(refresh); }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
  init();
})();
