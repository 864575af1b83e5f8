// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Two watchers over one folder (one catalog file) and one webhook receiver: an alert goes
// out once, whichever watcher gets there first, and again when the one that claimed it
// could not deliver it (at least once). The interleavings are forced with explicit
// events (a delivery held until the other pass ends, a pass held after it read the alert
// state), not with timing.

import {
  type AlertMessage,
  type Catalog,
  FolderSource,
  JsonCatalog,
  postAlert,
  watchOnce,
  type WatchReport,
} from "../../mod.ts";
import { denoFolderFileSystem } from "../../src/deno/folder_fs.ts";
import { assert, FIXTURES } from "../_helpers.ts";

async function folder(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "raftsnap-watch-alerts-" });
  await Deno.mkdir(`${dir}/consul`);
  await Deno.copyFile(new URL("go-reference/small.snap", FIXTURES), `${dir}/consul/1.snap`);
  await Deno.copyFile(
    new URL("go-reference/bad-state-bitflip.snap", FIXTURES),
    `${dir}/consul/2.snap`,
  );
  return dir;
}

/** A webhook receiver: the alerts it accepted, and how many posts it refused. */
function receiver() {
  const accepted: AlertMessage[] = [];
  const state = { refuse: 0, refused: 0 };
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const body = await req.json();
    if (state.refuse > 0) {
      state.refuse--;
      state.refused++;
      return new Response("no", { status: 503 });
    }
    accepted.push(body);
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}/hook`;
  return { accepted, state, url, close: () => server.shutdown() };
}

/** A watcher: its own catalog on the folder's catalog file, alerts posted to `url`. */
function watcher(dir: string, url: string, wrap: (c: Catalog) => Catalog = (c) => c) {
  const source = new FolderSource(dir, denoFolderFileSystem);
  return (hold: (alerts: AlertMessage[]) => Promise<void> = () => Promise.resolve()) =>
    watchOnce(source, wrap(new JsonCatalog(source.catalogStorage())), {
      async deliverAlerts(alerts) {
        await hold(alerts);
        for (const alert of alerts) await postAlert(url, alert);
      },
    });
}

/** A catalog whose first `loadAlerts` (the pass's "previous") waits for `gate` after reading. */
function heldAfterLoad(gate: Promise<void>, loaded: () => void) {
  return (catalog: Catalog): Catalog => {
    let first = true;
    return {
      get: (key) => catalog.get(key),
      put: (record) => catalog.put(record),
      remove: (key) => catalog.remove(key),
      all: () => catalog.all(),
      claim: (key, owner, ttl) => catalog.claim!(key, owner, ttl),
      isClaimed: (key) => catalog.isClaimed!(key),
      release: (key, owner) => catalog.release!(key, owner),
      saveAlerts: (state) => catalog.saveAlerts!(state),
      flush: () => catalog.flush!(),
      async loadAlerts() {
        const state = await catalog.loadAlerts!();
        if (first) {
          first = false;
          loaded();
          await gate;
        }
        return state;
      },
    };
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

Deno.test("two watchers: an alert the other watcher is delivering is not sent again", async () => {
  const dir = await folder();
  const hook = receiver();
  try {
    const inDelivery = deferred();
    const bDone = deferred();
    const a = watcher(dir, hook.url)(async () => {
      inDelivery.resolve();
      await bDone.promise; // A holds the claim while B makes its whole pass
    });
    await inDelivery.promise;
    const b = await watcher(dir, hook.url)();
    bDone.resolve();
    const first = await a;
    assert.deepEqual(first.alerts.map((x) => x.event), ["backup-failed"]);
    assert.deepEqual(b.alerts, []);
    assert.deepEqual(hook.accepted.map((x) => `${x.event} ${x.key}`), [
      "backup-failed consul/2.snap",
    ]);
    // Later passes of either watcher: nothing changed, nothing sent.
    for (const pass of [watcher(dir, hook.url), watcher(dir, hook.url)]) {
      assert.deepEqual((await pass()).alerts, []);
    }
    assert.equal(hook.accepted.length, 1);
  } finally {
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two watchers: an alert the other watcher delivered after this one read the state is not sent again", async () => {
  const dir = await folder();
  const hook = receiver();
  try {
    const gate = deferred();
    const loaded = deferred();
    // B reads the alert state of the last pass (none), then waits while A does it all.
    const b = watcher(dir, hook.url, heldAfterLoad(gate.promise, loaded.resolve))();
    await loaded.promise;
    const a: WatchReport = await watcher(dir, hook.url)();
    gate.resolve();
    assert.deepEqual(a.alerts.map((x) => x.event), ["backup-failed"]);
    assert.deepEqual((await b).alerts, []);
    assert.equal(hook.accepted.length, 1);
  } finally {
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two watchers: an alert the first could not deliver is sent by the other (at least once)", async () => {
  const dir = await folder();
  const hook = receiver();
  try {
    const gate = deferred();
    const loaded = deferred();
    const b = watcher(dir, hook.url, heldAfterLoad(gate.promise, loaded.resolve))();
    await loaded.promise;
    hook.state.refuse = 1; // A's post is refused: A keeps no alert state and lets its claim go
    const a = await watcher(dir, hook.url)();
    assert.equal(hook.state.refused, 1);
    assert.equal(hook.accepted.length, 0);
    assert.deepEqual(a.alerts.map((x) => x.event), ["backup-failed"]);
    gate.resolve();
    assert.deepEqual((await b).alerts.map((x) => x.event), ["backup-failed"]);
    assert.deepEqual(hook.accepted.map((x) => `${x.event} ${x.key}`), [
      "backup-failed consul/2.snap",
    ]);
    assert.deepEqual((await watcher(dir, hook.url)()).alerts, []);
    assert.equal(hook.accepted.length, 1);
  } finally {
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});
