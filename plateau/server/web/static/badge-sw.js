/* The service worker of the Espace Famille's phone-badge page (scope /famille/badge/), so that the
   badge opens with no network (plateau/server/web/famille/badge.py, static/badge.js).

   The page and its scripts come from the network when it answers (a new code layout, a badge
   turned off or replaced: the page then drops the phone's key) and from this cache otherwise:
   no network, or the family signed out on this phone (the server answers a redirect to the
   sign-in page: the badge keeps showing). Nothing else is cached, and never the secret: the
   page is the one the server renders, which holds only the badge's fingerprint. */
"use strict";

var CACHE = "plateau-badge-1";
var ASSETS = ["/static/plateau.css", "/static/qrcode.js", "/static/badge.js"];
var SCOPE = "/famille/badge/";

// one cache entry per child: /famille/badge/?enfant=N, whatever else the address says (fait=, lang=)
function pageKey(url) {
  return new URL(SCOPE + "?enfant=" + (url.searchParams.get("enfant") || ""), url).href;
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("plateau-badge-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function fresh(request, key) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (answer) {
      if (answer.ok && answer.type === "basic" && !answer.redirected) {
        return cache.put(key, answer.clone()).then(function () { return answer; });
      }
      return cache.match(key).then(function (copy) { return copy || answer; });
    }, function (offline) {
      return cache.match(key).then(function (copy) {
        if (copy) { return copy; }
        throw offline;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname === SCOPE) {
    event.respondWith(fresh(request, pageKey(url)));
  } else if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(fresh(request, url.origin + url.pathname));
  }
});

// the page asks, once its badge shows, to be kept now (its first visit came before this worker)
self.addEventListener("message", function (event) {
  var url = new URL(event.data && event.data.keep || "", self.location.origin);
  if (url.origin !== self.location.origin || url.pathname !== SCOPE) { return; }
  var port = event.ports[0];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return fetch(url.href, {credentials: "same-origin", redirect: "manual"}).then(function (answer) {
      if (answer.ok && answer.type === "basic") {
        return cache.put(pageKey(url), answer).then(function () { return true; });
      }
      return cache.match(pageKey(url)).then(Boolean);   // signed out: is an earlier copy kept?
    });
  }).then(function (kept) { if (port) { port.postMessage(kept ? "kept" : "not kept"); } },
          function () { if (port) { port.postMessage("not kept"); } }));
});
