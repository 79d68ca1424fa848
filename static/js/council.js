// Start GOV.UK Frontend's components (loaded as an ES module).
import { initAll } from "../dist/govuk-frontend.min.js";

initAll();
