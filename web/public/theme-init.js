/* global document, localStorage */
// Applies the colour theme the customer pinned before the first paint, so a page never flashes in
// the other theme. Loaded as a classic script from <head> (the CSP allows only same-origin
// scripts, no inline ones). Mirrors src/theme/theme.ts (same key, same attribute; theme.test.ts
// runs this file to check).
(function () {
  try {
    var choice = localStorage.getItem('portal.theme');
    if (choice === 'light' || choice === 'dark') document.documentElement.dataset.theme = choice;
  } catch {
    // Storage unavailable: the system's setting applies.
  }
})();
