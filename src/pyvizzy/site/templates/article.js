// The sample article listens to the embedded app's state (the frame embed.js makes; its
// summary, host.js) and writes it into the caption.
(function () {
  "use strict";
  const caption = document.getElementById("pyvizzy-caption");
  window.pyvizzyLastState = null;
  window.addEventListener("message", (event) => {
    const frame = document.querySelector("iframe.pyvizzy-embed-frame");
    if (!frame || event.source !== frame.contentWindow ||
        event.origin !== window.location.origin) return;
    const data = event.data;
    if (!data || data.type !== "pyvizzy:state" || !data.state) return;
    const state = data.state;
    window.pyvizzyLastState = state;
    const counts = state.counts || {};
    caption.textContent =
      `Class percentile ${state.class_percentile}, OOD percentile ${state.ood_percentile}: ` +
      `${counts.label_issue || 0} label issues, ${counts.ood || 0} out of distribution, ` +
      `${counts.unconfident || 0} unconfident` +
      (state.trained ? ` (trained in ${Number(state.train_seconds).toFixed(2)} s).` : ".");
  });
})();
