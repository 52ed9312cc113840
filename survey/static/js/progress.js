// Counts answered questions for the progress bar; the survey works without it.
(function () {
  var bar = document.getElementById("progress");
  var text = document.getElementById("progress-text");
  var form = document.querySelector("form.questionnaire");
  if (!bar || !form) { return; }
  var total = parseInt(bar.getAttribute("data-total"), 10);
  var template = text.getAttribute("data-template") || "";
  function update() {
    var answered = form.querySelectorAll("fieldset.question:not(.segment) input:checked").length;
    bar.value = answered;
    if (template) { text.textContent = template.replace("{n}", answered).replace("{total}", total); }
  }
  form.addEventListener("change", update);
  update();
})();
