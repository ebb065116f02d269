// Entry point of the web viewer (placeholder until the viewer lands).
const app = document.getElementById("app");
if (app) app.textContent = "Lightbox web viewer";
