// Registers ALTCHA's proof-of-work worker from our own origin (the CSP allows only 'self' scripts).
// The widget's "external" build bundles no worker and injects no style: altcha.css is linked instead.
const widget = document.querySelector("altcha-widget[data-worker]");
if (widget && globalThis.$altcha) {
  const url = widget.dataset.worker;
  for (const algorithm of ["PBKDF2/SHA-256", "PBKDF2/SHA-384", "PBKDF2/SHA-512"]) {
    globalThis.$altcha.algorithms.set(algorithm, () => new Worker(url));
  }
}
