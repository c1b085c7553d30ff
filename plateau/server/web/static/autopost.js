// The page that hands a top-up to the bank: post its form at once (the button stays for a
// browser without JavaScript). A file, not an inline handler: the page's CSP allows no inline script.
document.addEventListener("DOMContentLoaded", function () { document.forms[0].submit(); });
