// Registers ALTCHA's proof-of-work worker from our own origin (the CSP allows only 'self' scripts).
// The widget's "external" build bundles no worker and injects no style: altcha.css is linked instead.
// It carries English words only: the page hands it its own, from the server's catalog (data-strings).
const widget = document.querySelector("altcha-widget[data-worker]");
if (widget && globalThis.$altcha) {
  const url = widget.dataset.worker;
  for (const algorithm of ["PBKDF2/SHA-256", "PBKDF2/SHA-384", "PBKDF2/SHA-512"]) {
    globalThis.$altcha.algorithms.set(algorithm, () => new Worker(url));
  }
  const language = widget.getAttribute("language");
  if (language && widget.dataset.strings) {
    try {
      globalThis.$altcha.i18n.set(language, JSON.parse(widget.dataset.strings));
    } catch (error) {
      console.warn("altcha-setup: the widget's words could not be read", error);
    }
  }
}
