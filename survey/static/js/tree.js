// The organisation's tree in the report: folded to the top level, each team opened (and closed
// with everything under it) by its button, level by level. Without the script every team shows.
(function () {
  document.querySelectorAll("table.tree[data-fold]").forEach(function (table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tr[data-node]"));
    var below = {};
    rows.forEach(function (row) {
      var up = row.getAttribute("data-up");
      if (up) { (below[up] = below[up] || []).push(row); }
    });
    function fold(row, open) {
      var button = row.querySelector("button.fold");
      if (button) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
      (below[row.getAttribute("data-node")] || []).forEach(function (child) {
        child.hidden = !open;
        if (!open) { fold(child, false); }
      });
    }
    rows.forEach(function (row) {
      var children = below[row.getAttribute("data-node")];
      var head = row.querySelector("th");
      if (!children) {
        var space = document.createElement("span");
        space.className = "fold-space";
        head.insertBefore(space, head.firstChild);
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "fold";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-label", table.getAttribute("data-fold") + ": " + head.textContent);
      button.setAttribute("aria-controls", children.map(function (c) { return c.id; }).join(" "));
      head.insertBefore(button, head.firstChild);
      button.addEventListener("click", function () {
        fold(row, button.getAttribute("aria-expanded") !== "true");
      });
    });
    rows.forEach(function (row) { if (row.getAttribute("data-up")) { row.hidden = true; } });
    var all = table.parentNode.parentNode.querySelectorAll("button[data-fold-all]");
    all.forEach(function (control) {
      control.hidden = false;
      control.addEventListener("click", function () {
        var open = control.getAttribute("data-fold-all") === "open";
        rows.forEach(function (row) {
          if (open) {
            row.hidden = false;
            var button = row.querySelector("button.fold");
            if (button) { button.setAttribute("aria-expanded", "true"); }
          } else if (!row.getAttribute("data-up")) { fold(row, false); }
        });
      });
    });
  });
})();
