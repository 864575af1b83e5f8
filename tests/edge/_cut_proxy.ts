// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A TCP proxy on 127.0.0.1 that passes bytes through as they come and, when armed, cuts
// the connection of the next request with a given method after a given number of its
// bytes (head included) reached the server: a connection dropped mid-PATCH.

/** A running proxy. */
export interface CutProxy {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** Cuts the next `method` request after `bytes` of it were passed on. */
  cutNext(method: string, bytes: number): void;
  /** How many connections were cut. */
  cuts: number;
  /** Milliseconds to hold each request (by its first bytes) before passing it on. */
  delay: number;
  /** The request lines seen (`METHOD /path`), from the first bytes of each. */
  seen: string[];
  close(): Promise<void>;
}

/** Starts a proxy in front of `upstream`. */
export function startCutProxy(upstream: { hostname: string; port: number }): CutProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const handling = new Set<Promise<void>>();
  let armed: { method: string; bytes: number } | undefined;
  const proxy: CutProxy = {
    origin: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    cutNext(method, bytes) {
      armed = { method, bytes };
    },
    cuts: 0,
    delay: 0,
    seen: [],
    async close() {
      listener.close();
      for (const conn of open) closeQuietly(conn);
      await accepting;
      await Promise.all(handling);
    },
  };
  const handle = async (client: Deno.Conn) => {
    open.add(client);
    let server: Deno.Conn | undefined;
    try {
      server = await Deno.connect(upstream);
      open.add(server);
      const back = (async () => {
        const buffer = new Uint8Array(64 * 1024);
        for (;;) {
          const n = await server!.read(buffer).catch(() => null);
          if (n === null) break;
          await writeAll(client, buffer.subarray(0, n));
        }
        closeQuietly(client);
      })().catch(() => {});
      const buffer = new Uint8Array(64 * 1024);
      let counting: number | undefined; // bytes left before the cut
      for (;;) {
        const n = await client.read(buffer).catch(() => null);
        if (n === null) break;
        let bytes = buffer.subarray(0, n);
        const line = /^([A-Z]+) (\S+) HTTP\/1\.1\r\n/.exec(
          new TextDecoder().decode(bytes.subarray(0, 300)),
        );
        if (line) {
          proxy.seen.push(`${line[1]} ${line[2]}`);
          if (proxy.delay > 0) await new Promise((resolve) => setTimeout(resolve, proxy.delay));
        }
        if (counting === undefined && armed) {
          const start = new TextDecoder().decode(bytes.subarray(0, armed.method.length + 1));
          if (start === `${armed.method} `) {
            counting = armed.bytes;
            armed = undefined;
          }
        }
        if (counting !== undefined) {
          if (bytes.length >= counting) {
            bytes = bytes.subarray(0, counting);
            await writeAll(server, bytes);
            // Let the server take the bytes before the cut.
            await new Promise((resolve) => setTimeout(resolve, 50));
            proxy.cuts++;
            break;
          }
          counting -= bytes.length;
        }
        await writeAll(server, bytes);
      }
      closeQuietly(server);
      closeQuietly(client);
      await back;
    } catch {
      // either side went away
    } finally {
      if (server) {
        closeQuietly(server);
        open.delete(server);
      }
      closeQuietly(client);
      open.delete(client);
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const done = handle(conn);
        handling.add(done);
        done.finally(() => handling.delete(done));
      }
    } catch {
      // closed
    }
  })();
  return proxy;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // closed already
  }
}
