// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Starts the page: the ES module (app.mjs) when served over HTTP(S); from a file:// copy,
// where browsers refuse module scripts (a file has no origin to allow them from), the
// same bundle as a classic script (app.js, written by web/build.ts).
(() => {
  const script = document.createElement("script");
  if (location.protocol === "file:") script.src = "app.js";
  else {
    script.type = "module";
    script.src = "app.mjs";
  }
  document.head.append(script);
})();
