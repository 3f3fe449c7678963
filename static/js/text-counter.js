// A live character counter under every text box with a limit (data-max-length, set by
// core/texts.py). Characters are counted as the server counts them: by code point, a line
// break as one. Over the limit the counter says by how much; nothing is cut, and the server
// refuses the text with the same message.
"use strict";
(function () {
  function count(text) {
    return Array.from(text.replace(/\r\n?/g, "\n")).length;
  }
  function format(n) {
    return n.toLocaleString(document.documentElement.lang || "ja");
  }
  document.querySelectorAll("[data-max-length]").forEach(function (box) {
    var limit = parseInt(box.getAttribute("data-max-length"), 10);
    var text = box.getAttribute("data-counter-text") || "{length} / {limit}";
    var overText = box.getAttribute("data-counter-over") || " (+{over})";
    var counter = document.createElement("p");
    counter.className = "char-counter";
    counter.id = (box.id || box.name) + "-counter";
    box.insertAdjacentElement("afterend", counter);
    var described = box.getAttribute("aria-describedby");
    box.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var length = count(box.value);
      var over = length - limit;
      counter.textContent =
        text.replace("{length}", format(length)).replace("{limit}", format(limit)) +
        (over > 0 ? overText.replace("{over}", format(over)) : "");
      counter.classList.toggle("char-counter-over", over > 0);
    }
    box.addEventListener("input", update);
    update();
  });
})();
