/* The Espace Famille's phone badge, in the browser (plateau/server/web/famille/badge.py).

   Two pages use it. The provisioning answer (#provision) carries the secret once: it is imported
   as a non-extractable HMAC key (scripts may sign with it, never read it back) and kept in this
   browser's IndexedDB with the badge's fingerprint, then the badge page replaces it. The badge
   page (#badge-data) shows, every 30 s, the QR code of PLT1:<UAI>:<pupil>:<code>, the code being
   the RFC 6238 code of the current time step (HMAC-SHA1, as plateau/domain/phone_badge.py checks
   it at the station), with no network: a service worker keeps the page and its scripts.
   Each online load says which badge the server holds (its fingerprint, or none): a key the server
   no longer holds (turned off, or replaced from another phone) is deleted from this phone. */
(function () {
  "use strict";

  var DB_NAME = "plateau-badge", STORE = "badges";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function inStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), req = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(req.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  var kept = {
    get: function (child) { return inStore("readonly", function (s) { return s.get("child:" + child); }); },
    put: function (child, badge) { return inStore("readwrite", function (s) { return s.put(badge, "child:" + child); }); },
    drop: function (child) { return inStore("readwrite", function (s) { return s.delete("child:" + child); }); }
  };

  // RFC 4648 base32, as pyotp draws the secret (upper case, no padding)
  function base32(text) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bits = 0, value = 0, out = [];
    text = text.replace(/=+$/, "").toUpperCase();
    for (var i = 0; i < text.length; i++) {
      var n = alphabet.indexOf(text.charAt(i));
      if (n < 0) { throw new Error("not base32"); }
      value = ((value << 5) | n) & 0xffff;
      bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
    }
    return new Uint8Array(out);
  }

  // RFC 4226's HOTP of `step` (RFC 6238: step = floor(unix time / period)), `digits` digits
  function codeAt(key, step, digits) {
    var counter = new DataView(new ArrayBuffer(8));
    counter.setUint32(0, Math.floor(step / 4294967296));
    counter.setUint32(4, step >>> 0);
    return crypto.subtle.sign("HMAC", key, counter.buffer).then(function (sig) {
      var mac = new Uint8Array(sig), at = mac[mac.length - 1] & 0x0f;
      var bin = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3];
      var code = String(bin % Math.pow(10, digits));
      while (code.length < digits) { code = "0" + code; }
      return code;
    });
  }

  // the QR code as an SVG path (quiet zone of 4 modules, error correction M as the server's segno)
  function drawQr(box, text) {
    var qr = qrcode(0, "M");
    qr.addData(text, "Byte");
    qr.make();
    var n = qr.getModuleCount(), d = "", ns = "http://www.w3.org/2000/svg";
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        if (qr.isDark(r, c)) { d += "M" + (c + 4) + " " + (r + 4) + "h1v1h-1z"; }
      }
    }
    var svg = document.createElementNS(ns, "svg"), bg = document.createElementNS(ns, "rect"),
        path = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 " + (n + 8) + " " + (n + 8));
    svg.setAttribute("shape-rendering", "crispEdges");
    svg.setAttribute("aria-hidden", "true");
    bg.setAttribute("width", n + 8); bg.setAttribute("height", n + 8); bg.setAttribute("fill", "#fff");
    path.setAttribute("d", d); path.setAttribute("fill", "#000");
    svg.appendChild(bg); svg.appendChild(path);
    box.replaceChildren(svg);
  }

  function provision(el) {
    var d = el.dataset;
    crypto.subtle.importKey("raw", base32(d.secret), {name: "HMAC", hash: "SHA-1"}, false, ["sign"])
      .then(function (key) {
        return kept.put(d.child, {key: key, fingerprint: d.fingerprint, digits: Number(d.digits),
                                  period: Number(d.period), payload: d.payload, kept_at: new Date().toISOString()});
      })
      .then(function () { location.replace(d.next); })
      .catch(function () {
        document.getElementById("provision-status").hidden = true;
        document.getElementById("provision-failed").hidden = false;
      });
  }

  // the worker keeps this page (as the server answered it) and its scripts for offline use
  function keepOffline(data) {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.register(data.worker, {scope: data.scope})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) {
        return new Promise(function (resolve) {
          var channel = new MessageChannel();
          channel.port1.onmessage = function (e) { resolve(e.data); };
          reg.active.postMessage({keep: location.pathname + "?enfant=" + data.child}, [channel.port2]);
        });
      })
      .then(function (answer) {
        if (answer === "kept") {
          document.documentElement.dataset.offline = "ready";
          document.getElementById("offline-ready").hidden = false;
        }
      })
      .catch(function () { /* online only: the badge still works while the page is open */ });
  }

  function show(data, badge) {
    var box = document.getElementById("qr"), countdown = document.getElementById("countdown");
    var shown = null;
    function tick() {
      var now = Date.now() / 1000, step = Math.floor(now / badge.period);
      var left = badge.period - Math.floor(now) % badge.period;
      countdown.textContent = data.countdown.replace("{n}", String(left));
      if (step === shown) { return; }
      shown = step;
      codeAt(badge.key, step, badge.digits).then(function (code) {
        if (step !== shown) { return; }
        drawQr(box, badge.payload.replace("{code}", code));
        box.dataset.step = String(step);
      });
    }
    tick();
    setInterval(tick, 250);  // the new code within a quarter of a second of its step
    document.getElementById("badge").hidden = false;
  }

  function badgePage(el) {
    var data = el.dataset;
    kept.get(data.child).then(function (badge) {
      if (data.state !== "on" || !badge || badge.fingerprint !== data.fingerprint) {
        // off, not allowed, or replaced from another phone: this phone's key is of no use any more
        return (badge ? kept.drop(data.child) : Promise.resolve()).then(function () {
          document.documentElement.dataset.badge = "absent";
          if (data.state === "on") { document.getElementById("elsewhere").hidden = false; }
        });
      }
      document.documentElement.dataset.badge = "present";
      show(data, badge);
      keepOffline(data);
    }).catch(function () {
      document.documentElement.dataset.badge = "unavailable";
      if (data.state === "on") { document.getElementById("elsewhere").hidden = false; }
    });
  }

  var provisioning = document.getElementById("provision"), page = document.getElementById("badge-data");
  if (provisioning) { provision(provisioning); } else if (page) { badgePage(page); }
})();
