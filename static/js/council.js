// Start GOV.UK Frontend's components (loaded as an ES module).
import { initAll } from "../dist/govuk-frontend.min.js";

initAll();

// Background reports: show how far a report has got without reloading, and reload once it is
// finished (ready or failed) so the page shows the download or the reason. Without script the
// page's "Check again" link does the same.
function watchReportProgress(element) {
  const url = element.dataset.statusUrl;
  const text = element.querySelector("[data-report-progress-text]");
  let shown = -1;
  const check = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const state = await response.json();
        if (state.finished) {
          window.location.reload();
          return;
        }
        // Announce in steps of 10% at most, so screen readers are not flooded.
        const step = Math.floor(state.progress / 10) * 10;
        if (state.status === "running" && step !== shown) {
          shown = step;
          text.textContent = `${state.progress}% done${state.message ? ": " + state.message : ""}.`;
        }
      }
    } catch (error) {
      // Offline for a moment: try again at the next tick.
    }
    window.setTimeout(check, 2000);
  };
  window.setTimeout(check, 1000);
}

document.querySelectorAll('[data-module="report-progress"]').forEach(watchReportProgress);
