// Lightbox: ReDoc from the files bundled with the service (no CDN, no web fonts).
window.onload = function () {
  Redoc.init("openapi.json", { hideDownloadButton: false }, document.getElementById("redoc"));
};
