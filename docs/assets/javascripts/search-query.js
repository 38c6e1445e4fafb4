/*
 * Points the theme's search at workers/search-stemming.js, which sits next to
 * the theme's own search worker and runs it with every typed word reduced to
 * its stem. The theme reads its settings (the worker's address among them)
 * from #__config when its bundle starts, so this script must run before the
 * bundle: overrides/main.html loads it just ahead of it.
 */
(function () {
  "use strict";

  var element = document.getElementById("__config");
  if (!element) {
    return;
  }
  var config = JSON.parse(element.textContent);
  if (typeof config.search !== "string" || config.search.indexOf("search-stemming.js") !== -1) {
    return;
  }
  var cut = config.search.lastIndexOf("/") + 1;
  var engine = config.search.slice(cut);
  config.search =
    config.search.slice(0, cut) + "search-stemming.js?engine=" + encodeURIComponent(engine);
  element.textContent = JSON.stringify(config);
})();
