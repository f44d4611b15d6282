// The API documentation page (tongxin/api/templates/api/docs.html): Swagger UI
// with the settings the page carries; in a file because the CSP allows no inline script.
(function () {
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  window.ui = SwaggerUIBundle(settings);
})();
