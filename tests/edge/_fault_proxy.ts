// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// A TCP proxy on 127.0.0.1 in front of an S3 endpoint that fails chosen requests: it
// answers 500, drops the connection without an answer, or never answers ("hang"). Requests pass byte for byte
// (their signatures stay valid), one per connection.

/** What the proxy does to the requests `match` picks. */
export interface Fault {
  match: (method: string, target: string) => boolean;
  action: "500" | "drop" | "hang";
  /** How many matching requests fail; after that they pass. @default {Infinity} */
  times?: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** Its address, such as `http://127.0.0.1:40123`. */
  url: string;
  /** The faults to inject from now on (the first that matches a request acts). */
  fault: Fault | Fault[] | undefined;
  /** Requests seen, as `METHOD target`. */
  seen: string[];
  /** Requests failed by the fault. */
  failed: string[];
  close(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function indexOfHeadEnd(bytes: Uint8Array, length: number): number {
  for (let i = 3; i < length; i++) {
    if (bytes[i - 3] === 13 && bytes[i - 2] === 10 && bytes[i - 1] === 13 && bytes[i] === 10) {
      return i + 1;
    }
  }
  return -1;
}

/** Reads one request (head and Content-Length body) from `conn`. */
async function readRequest(conn: Deno.Conn): Promise<Uint8Array | undefined> {
  let buffer = new Uint8Array(64 * 1024);
  let length = 0;
  let headEnd = -1;
  let total = Infinity;
  while (length < total) {
    if (length === buffer.length) {
      const bigger = new Uint8Array(buffer.length * 2);
      bigger.set(buffer);
      buffer = bigger;
    }
    const n = await conn.read(buffer.subarray(length));
    if (n === null) return undefined;
    length += n;
    if (headEnd < 0) {
      headEnd = indexOfHeadEnd(buffer, length);
      if (headEnd >= 0) {
        const head = decoder.decode(buffer.subarray(0, headEnd));
        const contentLength = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
        total = headEnd + Number(contentLength ?? 0);
        if (buffer.length < total) {
          const bigger = new Uint8Array(total);
          bigger.set(buffer.subarray(0, length));
          buffer = bigger;
        }
      }
    }
  }
  return buffer.subarray(0, length);
}

/** Copies one response from `from` to `to`, up to its end (not the connection's). */
async function relayResponse(from: Deno.Conn, to: Deno.Conn, head: boolean): Promise<void> {
  const buffer = new Uint8Array(256 * 1024);
  let seen = new Uint8Array(0); // the head, until it is complete
  let remaining = Infinity;
  let chunked = false;
  let tail = ""; // the last bytes of a chunked body
  for (;;) {
    const n = await from.read(buffer);
    if (n === null) return;
    const bytes = buffer.subarray(0, n);
    for (let at = 0; at < n;) at += await to.write(bytes.subarray(at));
    let body = bytes;
    if (remaining === Infinity && !chunked) {
      const joined = new Uint8Array(seen.length + n);
      joined.set(seen);
      joined.set(bytes, seen.length);
      const end = indexOfHeadEnd(joined, joined.length);
      if (end < 0) {
        seen = joined;
        continue;
      }
      const text = decoder.decode(joined.subarray(0, end));
      const status = Number(text.split(" ")[1]);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
      chunked = /\r\ntransfer-encoding:\s*chunked/i.test(text);
      if (head || status === 204 || status === 304) remaining = 0;
      else if (length !== undefined) remaining = Number(length);
      else if (!chunked) remaining = Infinity - 1; // until the connection closes
      body = joined.subarray(end);
    }
    if (chunked) {
      tail = (tail + decoder.decode(body)).slice(-5);
      if (tail === "0\r\n\r\n") return;
    } else {
      remaining -= body.length;
      if (remaining <= 0) return;
    }
  }
}

/** Starts the proxy in front of `upstream` (`host:port`). */
export function startFaultProxy(upstream: { hostname: string; port: number }): FaultProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    fault: undefined,
    seen: [],
    failed: [],
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // closed already
        }
      }
      await accepting;
      await Promise.all(handling);
    },
  };
  const handling = new Set<Promise<void>>();
  const handle = async (conn: Deno.Conn) => {
    conns.add(conn);
    let upstreamConn: Deno.Conn | undefined;
    try {
      const request = await readRequest(conn);
      if (!request) return;
      const line = decoder.decode(request.subarray(0, request.indexOf(13)));
      const [method, target] = line.split(" ") as [string, string];
      proxy.seen.push(`${method} ${target}`);
      const faults = proxy.fault === undefined ? [] : [proxy.fault].flat();
      const fault = faults.find((f) => f.match(method, target) && (f.times ?? Infinity) > 0);
      if (fault) {
        if (fault.times !== undefined) fault.times--;
        proxy.failed.push(`${method} ${target}`);
        if (fault.action === "500") {
          const body = "<Error><Code>InternalError</Code><Message>injected</Message></Error>";
          await conn.write(encoder.encode(
            "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/xml\r\n" +
              `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
          ));
        }
        // "hang": the client's timeout has to end it (close() ends it too).
        if (fault.action === "hang") await conn.read(new Uint8Array(1)).catch(() => null);
        return; // "drop": the connection closes without an answer
      }
      // One request per connection: ask the upstream to close after its answer.
      const headEnd = indexOfHeadEnd(request, request.length);
      const head = decoder.decode(request.subarray(0, headEnd - 2))
        .replace(/\r\nconnection:[^\r]*/i, "") + "connection: close\r\n\r\n";
      upstreamConn = await Deno.connect(upstream);
      await upstreamConn.write(encoder.encode(head));
      for (let at = headEnd; at < request.length;) {
        at += await upstreamConn.write(request.subarray(at));
      }
      await relayResponse(upstreamConn, conn, method === "HEAD");
    } catch {
      // a client or upstream that went away
    } finally {
      try {
        upstreamConn?.close();
      } catch {
        // closed by pipeTo
      }
      try {
        conn.close();
      } catch {
        // closed already
      }
      conns.delete(conn);
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
