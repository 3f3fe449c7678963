// Draws every chart on the page from the figure the page carries as JSON (json_script), so
// that the Content-Security-Policy allows scripts from our own static files only.
// The mode bar stays off: its buttons would be focusable inside a chart hidden from
// assistive technology.
"use strict";
document.querySelectorAll(".chart[data-chart]").forEach(function (element) {
  var source = element.querySelector('script[type="application/json"]');
  var figure = JSON.parse(source.textContent);
  element.removeChild(source);
  Plotly.newPlot(element, figure.data, figure.layout, { displayModeBar: false, responsive: true });
});
