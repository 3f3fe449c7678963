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
    return n.toLocaleString("ja-JP");
  }
  document.querySelectorAll("[data-max-length]").forEach(function (box) {
    var limit = parseInt(box.getAttribute("data-max-length"), 10);
    var counter = document.createElement("p");
    counter.className = "char-counter";
    counter.id = (box.id || box.name) + "-counter";
    box.insertAdjacentElement("afterend", counter);
    var described = box.getAttribute("aria-describedby");
    box.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var length = count(box.value);
      var over = length - limit;
      counter.textContent = format(length) + " / " + format(limit) + " 文字" + (over > 0 ? "（" + format(over) + " 文字超過）" : "");
      counter.classList.toggle("char-counter-over", over > 0);
    }
    box.addEventListener("input", update);
    update();
  });
})();
