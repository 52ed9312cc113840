// Keeps a draft of the answers in this browser only (localStorage), so that a reload or a
// dropped connection loses nothing. The draft is never sent anywhere: it fills the form again
// when the person chooses to resume, and the thank-you page deletes it. Without JavaScript, or
// without storage, the survey works as before.
(function () {
  var PREFIX = "ambassador-draft:";
  var store;
  try { store = window.localStorage; store.setItem(PREFIX + "test", "1"); store.removeItem(PREFIX + "test"); }
  catch (e) { return; }
  if (document.body.hasAttribute("data-survey-done")) {
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (name && name.indexOf(PREFIX) === 0) { store.removeItem(name); }
    }
    return;
  }
  var form = document.querySelector("form.questionnaire[data-draft]");
  if (!form) { return; }
  var key = PREFIX + form.getAttribute("data-draft");
  var offer = document.getElementById("draft-offer");

  function answers() {
    var saved = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "hidden" || field.type === "submit") { return; }
      if (field.type === "radio") { if (field.checked) { saved[field.name] = field.value; } }
      else if (field.value) { saved[field.name] = field.value; }
    });
    return saved;
  }
  function save() {
    var saved = answers();
    if (Object.keys(saved).length) { store.setItem(key, JSON.stringify(saved)); }
  }
  function restore(saved) {
    Object.keys(saved).forEach(function (name) {
      var fields = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
      Array.prototype.forEach.call(fields, function (field) {
        if (field.type === "radio") { field.checked = field.value === saved[name]; }
        else { field.value = saved[name]; }
      });
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));  // the progress bar follows
  }

  var draft = null;
  try { draft = JSON.parse(store.getItem(key) || "null"); } catch (e) { draft = null; }
  var empty = Object.keys(answers()).length === 0;  // not a page sent back with errors
  if (draft && empty && offer) {
    var count = Object.keys(draft).length;
    offer.querySelector("[data-count]").textContent = count;
    offer.hidden = false;
    // A reload would bring back the old scroll position, below the offer: show the offer instead.
    if ("scrollRestoration" in history) { history.scrollRestoration = "manual"; }
    function inView() { window.scrollTo(0, 0); offer.scrollIntoView({ block: "nearest" }); }
    inView();
    offer.focus({ preventScroll: true });
    window.addEventListener("load", function () { if (!offer.hidden) { inView(); } });
    offer.querySelector("[data-resume]").addEventListener("click", function () {
      restore(draft); offer.hidden = true;
      var next = form.querySelector("fieldset.question:not(:has(input:checked)) input");
      next = next || form.querySelector("input[type=radio]");
      if (window.surveyParts) { window.surveyParts.reveal(next); }
      next.focus();
    });
    offer.querySelector("[data-discard]").addEventListener("click", function () {
      store.removeItem(key); offer.hidden = true;
    });
  }
  form.addEventListener("change", save);
  form.addEventListener("input", save);
})();

// After a submission with unanswered questions: the summary takes the focus, and following
// one of its links brings that question into view below the sticky progress bar and focuses its
// first option.
(function () {
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    target.scrollIntoView({ block: "start" });
    var first = target.querySelector("input, select, textarea") || target;
    first.focus({ preventScroll: true });
  });
})();
