// On a narrow screen the questionnaire shows one part (principle) at a time, with buttons to the
// next and the previous part; the comment and the send button come with the last part. On a wider
// screen, and without JavaScript, every part stays on the one page of the one form.
(function () {
  var form = document.querySelector("form.questionnaire");
  if (!form || !window.matchMedia) { return; }
  var parts = Array.prototype.slice.call(form.querySelectorAll("section.part"));
  if (parts.length < 2) { return; }
  var narrow = window.matchMedia("(max-width: 40rem)");
  var tail = Array.prototype.slice.call(form.querySelectorAll(".comment, [type=submit]"));
  var current = 0;

  var nav = document.createElement("div");
  nav.className = "part-nav";
  var back = document.createElement("button");
  back.type = "button"; back.className = "button secondary";
  back.textContent = form.getAttribute("data-back-label") || "Back";
  var next = document.createElement("button");
  next.type = "button"; next.className = "button";
  next.textContent = form.getAttribute("data-next-label") || "Next";
  nav.appendChild(back); nav.appendChild(next);
  form.appendChild(nav);  // after the comment and the send button, which come with the last part

  function show(index, moveFocus) {
    current = Math.max(0, Math.min(parts.length - 1, index));
    var paged = narrow.matches;
    parts.forEach(function (part, i) { part.hidden = paged && i !== current; });
    tail.forEach(function (element) { element.hidden = paged && current !== parts.length - 1; });
    nav.hidden = !paged;
    back.hidden = current === 0;
    next.hidden = current === parts.length - 1;
    if (paged && moveFocus) {
      var heading = parts[current].querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.scrollIntoView({ block: "start" });
      heading.focus({ preventScroll: true });
    }
  }
  function partOf(element) {
    var part = element && element.closest && element.closest("section.part");
    return part ? parts.indexOf(part) : -1;
  }
  // Others (the draft's "continue", the error summary) reveal a question's part before focusing it.
  window.surveyParts = {
    reveal: function (element) {
      var index = partOf(element);
      if (index >= 0 && index !== current) { show(index, false); }
    }
  };
  back.addEventListener("click", function () { show(current - 1, true); });
  next.addEventListener("click", function () { show(current + 1, true); });
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (link) { window.surveyParts.reveal(document.getElementById(link.getAttribute("href").slice(1))); }
    }, true);
  }
  var firstError = form.querySelector(".has-error");
  var start = firstError ? Math.max(partOf(firstError), 0) : 0;
  if (firstError && partOf(firstError) < 0) { start = parts.length - 1; }  // the comment
  show(start, false);
  var follow = function () { show(current, false); };
  if (narrow.addEventListener) { narrow.addEventListener("change", follow); }
  else if (narrow.addListener) { narrow.addListener(follow); }
})();
