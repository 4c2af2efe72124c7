/* Draws every chart container ([data-figure]) with Plotly, from the figure JSON the page embeds.
   Tables never depend on this script: without JavaScript the pages still show every figure. */
(function () {
  "use strict";

  function draw(container) {
    var source = document.getElementById(container.dataset.figure);
    if (!source || !window.Plotly) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(container, figure.data, figure.layout, {
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d"],
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-figure]").forEach(draw);
  });
})();
