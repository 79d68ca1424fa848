// Loaded synchronously at the top of <body> so GOV.UK Frontend styles apply
// before first paint (kept out of an inline script for the CSP).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
