// Starts Swagger UI on /api/docs; a file of its own because the CSP allows no inline script.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The default validator is an image from validator.swagger.io: off, the network is closed.
    validatorUrl: null,
  });
})();
