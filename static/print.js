// The printouts' "Print" button (a receipt, a form, a letter, the ledger):
// bound here, since the pages allow no inline event handlers (CSP).
document.querySelectorAll('[data-print]').forEach(function (b) {
  b.addEventListener('click', function () { window.print(); });
});
