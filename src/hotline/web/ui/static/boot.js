/* First script of every page. The Content-Security-Policy forbids inline scripts and inline
 * event handlers (so an injected one cannot run), hence:
 * - the page's settings come as a JSON data block (<script type="application/json">) that this
 *   file reads into window.HOTLINE before common.js and the page scripts run;
 * - buttons say what they do with data-hotline-action="<Hotline function>" instead of onclick. */
(function () {
  "use strict";
  const block = document.getElementById("hotline-config");
  window.HOTLINE = block ? JSON.parse(block.textContent) : { strings: {}, lang: "zh-CN" };
  document.addEventListener("click", function (e) {
    const el = e.target.closest ? e.target.closest("[data-hotline-action]") : null;
    if (!el) return;
    const fn = window.Hotline && window.Hotline[el.getAttribute("data-hotline-action")];
    if (typeof fn === "function") { e.preventDefault(); fn(); }
  });
})();
