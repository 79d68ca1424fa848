// Copies GOV.UK Frontend's JavaScript into static/dist, which is built at
// set-up and never committed. Its fonts and crown images are not used: the
// council's branding uses Arial and its own name.
import { cpSync, mkdirSync } from "node:fs";

mkdirSync("static/dist", { recursive: true });
cpSync("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js", "static/dist/govuk-frontend.min.js");
