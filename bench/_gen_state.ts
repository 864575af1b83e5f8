// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Product-shaped states for the inspect benchmark: a Consul state.bin (msgpack records,
// mostly KVS) and a Vault one (length-delimited protobuf StorageEntry), streamed through
// the ChunkFiller interface of bench/_gen.ts, so writeState() puts them on disk in
// constant memory. Each generator ends on a record boundary at exactly the size asked
// for (its last record is sized to fit) and tallies what it wrote the way the products'
// inspect commands count it, so a test or the bench can check inspect's counts.

import { type ChunkFiller, Rng } from "./_gen.ts";

/** Count and bytes of one row (a record type or a key prefix). */
export interface Tally {
  count: number;
  bytes: number;
}

/** What a generator wrote, counted as `consul snapshot inspect` / `vault ... inspect` do. */
export interface GeneratedStats {
  /** The product whose framing the state has. */
  product: "consul" | "vault";
  /** Records written (the Consul header excluded). */
  records: number;
  /** Bytes written so far. */
  stateBytes: number;
  /** Consul: per record type name (the header's bytes counted with the first record). */
  types: Map<string, Tally>;
  /** Consul KVS keys or Vault keys per prefix of {@linkcode KEY_DEPTH} parts. */
  keys: Map<string, Tally>;
}

/** A state generator: its filler and the tally of what it has produced so far. */
export interface StateGenerator {
  /** Whole records into `out` (at least {@linkcode MIN_CHUNK} long); 0 once the state is complete. */
  fill: ChunkFiller;
  /** Updated as `fill` writes. */
  stats: GeneratedStats;
}

/** The key depth the tally of keys uses (the products' default). */
export const KEY_DEPTH = 2;
/** The largest value written (the last record's may be up to {@linkcode FINAL_SLACK} more). */
export const MAX_VALUE = 100 * 1024;
/** The last record absorbs whatever is left below this, so it stays well-formed. */
const FINAL_SLACK = 4096;
/** Room a single record may need (key, structure, value, the last record's slack). */
const MAX_RECORD = MAX_VALUE + 2 * FINAL_SLACK + 4096;
/** The smallest buffer `fill` accepts. */
export const MIN_CHUNK = 2 * MAX_RECORD;
/** The smallest state a generator can end exactly (header plus one record). */
export const MIN_STATE = 512;

// ---------------------------------------------------------------------------------------
// Byte pools: values are slices of them (copying is the only per-byte work).

const POOL_SIZE = 16 << 20;
const encoder = new TextEncoder();
const HEX = encoder.encode("0123456789abcdef");

/** Random bytes (encrypted-looking values): incompressible. */
function randomPool(rng: Rng): Uint8Array {
  const pool = new Uint8Array(POOL_SIZE);
  rng.fill(new Uint32Array(pool.buffer));
  return pool;
}

const APPS = ["web", "api", "billing", "search", "payments", "ledger", "mailer", "auth"];
const REGIONS = ["eu-west-1", "us-east-1", "us-west-2", "ap-south-1"];
const LEVELS = ["debug", "info", "warn", "error"];
const WORDS = [
  "timeout",
  "retries",
  "endpoint",
  "enabled",
  "threshold",
  "upstream",
  "replicas",
  "weight",
  "bucket",
  "window",
  "burst",
  "limit",
];

/**
 * JSON configuration text, as Consul KV holds for applications: repetitive structure
 * with ids, versions, checksums and numbers that differ, so it compresses about as real
 * configuration does (a few times, not a hundred).
 */
function textPool(rng: Rng): Uint8Array {
  const pool = new Uint8Array(POOL_SIZE);
  const pick = <T>(list: readonly T[]) => list[rng.below(list.length)]!;
  const hex = (n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[rng.below(16)];
    return s;
  };
  let at = 0;
  while (at < POOL_SIZE) {
    const app = `${pick(APPS)}-${rng.below(500)}`;
    const version = `${rng.below(5)}.${rng.below(30)}.${rng.below(100)}`;
    const settings = Array.from(
      { length: 2 + rng.below(6) },
      () =>
        `"${pick(WORDS)}_${rng.below(50)}":${
          rng.below(4) === 0 ? `"${hex(8)}"` : rng.below(10000)
        }`,
    ).join(",");
    const line = `{"name":"${app}","version":"${version}","replicas":${1 + rng.below(9)},` +
      `"image":"registry.internal/${pick(APPS)}/${app}:${version}","env":{"LOG_LEVEL":"${
        pick(LEVELS)
      }","REGION":"${pick(REGIONS)}"},"settings":{${settings}},"owner":"team-${pick(APPS)}",` +
      `"updated":"2024-0${1 + rng.below(9)}-${10 + rng.below(18)}T${10 + rng.below(13)}:${
        10 + rng.below(49)
      }:${10 + rng.below(49)}Z","checksum":"${hex(16)}"}\n`;
    const bytes = encoder.encode(line);
    const n = Math.min(bytes.length, POOL_SIZE - at);
    pool.set(bytes.subarray(0, n), at);
    at += n;
  }
  return pool;
}

/** A value length, log-uniform in [min, max]: many small values, a few large ones. */
function logSize(rng: Rng, min: number, max: number): number {
  return Math.floor(Math.exp(Math.log(min) + (rng.u32() / 4294967296) * Math.log(max / min)));
}

function uuid(rng: Rng): string {
  let s = "";
  for (let i = 0; i < 36; i++) {
    s += i === 8 || i === 13 || i === 18 || i === 23 ? "-" : "0123456789abcdef"[rng.below(16)];
  }
  return s;
}

function hexString(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(HEX[rng.below(16)]!);
  return s;
}

function tally(map: Map<string, Tally>, name: string, bytes: number): void {
  let row = map.get(name);
  if (!row) map.set(name, row = { count: 0, bytes: 0 });
  row.count++;
  row.bytes += bytes;
}

function prefixOf(key: string): string {
  return key.split("/").slice(0, KEY_DEPTH).join("/");
}

// ---------------------------------------------------------------------------------------
// A tiny msgpack writer, old spec as go-msgpack writes Consul's state: strings and []byte
// are both raw (0xa0-0xbf, 0xda, 0xdb), integers in their smallest form, float64 as 0xcb.

const names = new Map<string, Uint8Array>();

/** Writes msgpack into a caller's buffer, which must have room. */
class Msgpack {
  out: Uint8Array = new Uint8Array(0);
  pos = 0;
  #view = new DataView(new ArrayBuffer(8));

  at(out: Uint8Array, pos: number): this {
    this.out = out;
    this.pos = pos;
    return this;
  }

  map(pairs: number): this {
    if (pairs < 16) this.out[this.pos++] = 0x80 | pairs;
    else this.#head16(0xde, pairs);
    return this;
  }

  array(items: number): this {
    if (items < 16) this.out[this.pos++] = 0x90 | items;
    else this.#head16(0xdc, items);
    return this;
  }

  nil(): this {
    this.out[this.pos++] = 0xc0;
    return this;
  }

  bool(value: boolean): this {
    this.out[this.pos++] = value ? 0xc3 : 0xc2;
    return this;
  }

  uint(value: number): this {
    const out = this.out;
    if (value < 0x80) {
      out[this.pos++] = value;
    } else if (value < 0x100) {
      out[this.pos++] = 0xcc;
      out[this.pos++] = value;
    } else if (value < 0x10000) {
      this.#head16(0xcd, value);
    } else if (value < 0x100000000) {
      this.#head32(0xce, value);
    } else {
      out[this.pos++] = 0xcf;
      this.#head32Raw(Math.floor(value / 0x100000000));
      this.#head32Raw(value >>> 0);
    }
    return this;
  }

  float(value: number): this {
    this.out[this.pos++] = 0xcb;
    this.#view.setFloat64(0, value);
    for (let i = 0; i < 8; i++) this.out[this.pos++] = this.#view.getUint8(i);
    return this;
  }

  /** A raw header for `length` payload bytes. */
  rawHead(length: number): this {
    if (length < 32) this.out[this.pos++] = 0xa0 | length;
    else if (length < 0x10000) this.#head16(0xda, length);
    else this.#head32(0xdb, length);
    return this;
  }

  /** An ASCII string as a raw. */
  str(text: string): this {
    this.rawHead(text.length);
    const out = this.out;
    for (let i = 0; i < text.length; i++) out[this.pos++] = text.charCodeAt(i);
    return this;
  }

  /** A field name (cached: they repeat in every record). */
  key(name: string): this {
    let bytes = names.get(name);
    if (!bytes) {
      const m = new Msgpack().at(new Uint8Array(name.length + 3), 0).str(name);
      names.set(name, bytes = m.out.slice(0, m.pos));
    }
    this.out.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** `length` bytes of `pool` from `from`, as a raw. */
  bytes(pool: Uint8Array, from: number, length: number): this {
    this.rawHead(length);
    this.out.set(pool.subarray(from, from + length), this.pos);
    this.pos += length;
    return this;
  }

  /** Go's `time.Time.MarshalBinary` (version 1, UTC), as a 15-byte raw. */
  time(unixSeconds: number, nanos: number): this {
    this.rawHead(15);
    const out = this.out;
    out[this.pos++] = 1;
    const seconds = unixSeconds + 62135596800; // since year 1
    this.#head32Raw(Math.floor(seconds / 0x100000000));
    this.#head32Raw(seconds >>> 0);
    this.#head32Raw(nanos);
    out[this.pos++] = 0xff; // offset -1 minute: UTC
    out[this.pos++] = 0xff;
    return this;
  }

  #head16(byte: number, value: number): void {
    const out = this.out;
    out[this.pos++] = byte;
    out[this.pos++] = value >>> 8;
    out[this.pos++] = value & 0xff;
  }

  #head32(byte: number, value: number): void {
    this.out[this.pos++] = byte;
    this.#head32Raw(value);
  }

  #head32Raw(value: number): void {
    const out = this.out;
    out[this.pos++] = value >>> 24;
    out[this.pos++] = (value >>> 16) & 0xff;
    out[this.pos++] = (value >>> 8) & 0xff;
    out[this.pos++] = value & 0xff;
  }
}

// ---------------------------------------------------------------------------------------
// Consul

/** The Consul record types written, in the order of Consul's snapshot (one of each first). */
const CONSUL_TYPES = {
  Register: 0,
  KVS: 2,
  Session: 3,
  Tombstone: 5,
  CoordinateBatchUpdate: 6,
  Index: 16,
  ACLToken: 17,
  ACLPolicy: 19,
  ConfigEntry: 22,
  ChunkingState: 29,
  SystemMetadata: 31,
} as const;

type ConsulType = keyof typeof CONSUL_TYPES;

/** How often each type is picked after the first of each: KVS takes the rest. */
const CONSUL_MIX: [ConsulType, number][] = [
  ["Register", 0.02],
  ["Session", 0.01],
  ["Tombstone", 0.03],
  ["CoordinateBatchUpdate", 0.01],
  ["Index", 0.003],
  ["ACLToken", 0.01],
  ["ACLPolicy", 0.003],
  ["ConfigEntry", 0.005],
  ["ChunkingState", 0.001],
  ["SystemMetadata", 0.001],
];

/** A KV key family: how its keys look and what its values hold. */
interface KeyFamily {
  weight: number;
  key: (rng: Rng) => string;
  /** Value bytes: random (encrypted) or JSON text. */
  random: boolean;
  min: number;
  max: number;
}

/**
 * @param mounts Vault mount ids (a few, as a real Vault has).
 * @returns The key families of a Consul KV store that also backs a Vault.
 */
function consulFamilies(mounts: string[]): KeyFamily[] {
  const pick = <T>(rng: Rng, list: readonly T[]) => list[rng.below(list.length)]!;
  return [
    {
      weight: 0.25,
      random: true,
      min: 64,
      max: 16 * 1024,
      key: (rng) =>
        `vault/logical/${pick(rng, mounts)}/${pick(rng, ["data", "metadata", "versions"])}/${
          pick(rng, APPS)
        }/${hexString(rng, 8)}`,
    },
    {
      weight: 0.08,
      random: true,
      min: 200,
      max: 900,
      key: (rng) => `vault/sys/token/id/h${hexString(rng, 64)}`,
    },
    {
      weight: 0.05,
      random: true,
      min: 300,
      max: 1200,
      key: (rng) => `vault/sys/expire/id/auth/token/create/h${hexString(rng, 64)}`,
    },
    {
      weight: 0.35,
      random: false,
      min: 24,
      max: MAX_VALUE,
      key: (rng) =>
        `config/app-${rng.below(200)}/${pick(rng, ["prod", "staging", "dev"])}/${pick(rng, WORDS)}${
          rng.below(3) === 0 ? `/${pick(rng, WORDS)}/${rng.below(100)}` : ""
        }`,
    },
    {
      weight: 0.2,
      random: false,
      min: 24,
      max: 32 * 1024,
      key: (rng) =>
        `service/${pick(rng, APPS)}/${pick(rng, ["routes", "limits", "flags", "tls"])}/${
          rng.below(100000)
        }`,
    },
    {
      weight: 0.05,
      random: false,
      min: 16,
      max: 512,
      key: (rng) => `feature-flags/team-${pick(rng, APPS)}/${pick(rng, WORDS)}-${rng.below(1000)}`,
    },
    {
      weight: 0.05,
      random: false,
      min: 16,
      max: 64,
      key: (rng) => `locks/${pick(rng, APPS)}/leader`,
    },
  ];
}

/**
 * A Consul `state.bin` of exactly `size` bytes: the header `{"LastIndex": n}`, one record
 * of each type, then mostly KVS (`DirEntry` maps, key paths of varied depth, values of
 * tens of bytes to {@linkcode MAX_VALUE}, log-distributed, part JSON text and part random
 * bytes), with the other types mixed in.
 *
 * @throws {RangeError} when `size` is below {@linkcode MIN_STATE}.
 */
export function consulState(seed: number, size: number): StateGenerator {
  if (size < MIN_STATE) throw new RangeError(`a state needs at least ${MIN_STATE} bytes`);
  const rng = new Rng(seed ^ 0xc0a5c0a5);
  const random = randomPool(rng);
  const text = textPool(rng);
  const mounts = Array.from({ length: 12 }, () => uuid(rng));
  const families = consulFamilies(mounts);
  const familyTotal = families.reduce((sum, f) => sum + f.weight, 0);
  const sessions = Array.from({ length: 16 }, () => uuid(rng));
  const stats: GeneratedStats = {
    product: "consul",
    records: 0,
    stateBytes: 0,
    types: new Map(),
    keys: new Map(),
  };
  const m = new Msgpack();
  const lastIndex = 1_000_000 + rng.below(1_000_000);
  let index = 100;
  let headerBytes = 0;
  let started = false;
  let done = false;
  const firsts: ConsulType[] = Object.keys(CONSUL_TYPES) as ConsulType[];

  const pickType = (): ConsulType => {
    if (firsts.length > 0) return firsts.shift()!;
    let x = rng.u32() / 4294967296;
    for (const [type, p] of CONSUL_MIX) {
      if ((x -= p) < 0) return type;
    }
    return "KVS";
  };

  const pickFamily = (): KeyFamily => {
    let x = (rng.u32() / 4294967296) * familyTotal;
    for (const family of families) {
      if ((x -= family.weight) < 0) return family;
    }
    return families[0]!;
  };

  /** A KVS record at `pos`; its value `length` bytes from `pool`. */
  const kvs = (out: Uint8Array, pos: number, key: string, pool: Uint8Array, length: number) => {
    const create = index;
    const lock = key.startsWith("locks/");
    out[pos] = CONSUL_TYPES.KVS;
    m.at(out, pos + 1).map(7)
      .key("CreateIndex").uint(create)
      .key("Flags").uint(rng.below(64) === 0 ? 1 + rng.below(8) : 0)
      .key("Key").str(key)
      .key("LockIndex").uint(lock ? 1 + rng.below(9) : 0)
      .key("ModifyIndex").uint(rng.below(4) === 0 ? create + rng.below(1000) : create)
      .key("Session").str(lock ? sessions[rng.below(sessions.length)]! : "")
      .key("Value").bytes(pool, rng.below(pool.length - length), length);
    return m.pos;
  };

  /** One record of a type other than KVS. */
  const other = (type: ConsulType, out: Uint8Array, pos: number): number => {
    out[pos] = CONSUL_TYPES[type];
    m.at(out, pos + 1);
    const node = `node-${rng.below(64)}`;
    switch (type) {
      case "Register": {
        const app = APPS[rng.below(APPS.length)]!;
        m.map(12)
          .key("Address").str(`10.0.${rng.below(256)}.${rng.below(256)}`)
          .key("Check").map(6)
          .key("CheckID").str(`service:${app}-${rng.below(100)}`)
          .key("Name").str(`Service '${app}' check`)
          .key("Node").str(node)
          .key("Output").str("HTTP GET http://127.0.0.1:8080/health: 200 OK Output: ok")
          .key("ServiceName").str(app)
          .key("Status").str(rng.below(10) === 0 ? "critical" : "passing")
          .key("CreateIndex").uint(index)
          .key("Datacenter").str("dc1")
          .key("ID").str(uuid(rng))
          .key("ModifyIndex").uint(index)
          .key("Node").str(node)
          .key("NodeMeta").map(1).key("consul-version").str("1.19.0")
          .key("Service").map(7)
          .key("Address").str("")
          .key("ID").str(`${app}-${rng.below(100)}`)
          .key("Meta").map(1).key("version").str(`${rng.below(5)}.${rng.below(20)}`)
          .key("Port").uint(8000 + rng.below(1000))
          .key("Service").str(app)
          .key("Tags").array(2).str("v1").str(REGIONS[rng.below(REGIONS.length)]!)
          .key("Weights").map(2).key("Passing").uint(1).key("Warning").uint(1)
          .key("SkipNodeUpdate").bool(false)
          .key("TaggedAddresses").map(2).key("lan").str("10.0.0.1").key("wan").str("10.0.0.1")
          .key("Token").str("");
        break;
      }
      case "Session":
        m.map(9)
          .key("Behavior").str("release")
          .key("Checks").nil()
          .key("CreateIndex").uint(index)
          .key("ID").str(sessions[rng.below(sessions.length)]!)
          .key("LockDelay").uint(15_000_000_000)
          .key("ModifyIndex").uint(index)
          .key("Name").str("Vault Lock")
          .key("Node").str(node)
          .key("TTL").str("15s");
        break;
      case "Tombstone":
        m.map(7)
          .key("CreateIndex").uint(0)
          .key("Flags").uint(0)
          .key("Key").str(`config/app-${rng.below(200)}/old/${hexString(rng, 8)}`)
          .key("LockIndex").uint(0)
          .key("ModifyIndex").uint(index)
          .key("Session").str("")
          .key("Value").nil();
        break;
      case "CoordinateBatchUpdate": {
        const n = 1 + rng.below(4);
        m.array(n);
        for (let i = 0; i < n; i++) {
          m.map(3).key("Coord").map(4)
            .key("Adjustment").float((rng.u32() / 4294967296 - 0.5) * 1e-4)
            .key("Error").float(rng.u32() / 4294967296)
            .key("Height").float(1e-5 * (1 + rng.u32() / 4294967296))
            .key("Vec").array(8);
          for (let k = 0; k < 8; k++) m.float((rng.u32() / 4294967296 - 0.5) * 1e-2);
          m.key("Node").str(`node-${rng.below(64)}`).key("Segment").str("");
        }
        break;
      }
      case "Index":
        m.map(2).key("Key").str(
          ["kvs", "nodes", "services", "sessions", "acl-tokens"][
            rng.below(5)
          ]!,
        ).key("Value").uint(index);
        break;
      case "ACLToken":
        m.map(10)
          .key("AccessorID").str(uuid(rng))
          .key("CreateIndex").uint(index)
          .key("CreateTime").time(1_700_000_000 + rng.below(10_000_000), rng.below(1e9))
          .key("Description").str(`token for ${APPS[rng.below(APPS.length)]}`)
          .key("Hash").bytes(random, rng.below(random.length - 32), 32)
          .key("Local").bool(false)
          .key("ModifyIndex").uint(index)
          .key("Policies").array(1).map(2).key("ID").str(uuid(rng)).key("Name").str("read-kv")
          .key("SecretID").str(uuid(rng))
          .key("ServiceIdentities").nil();
        break;
      case "ACLPolicy":
        m.map(8)
          .key("CreateIndex").uint(index)
          .key("Datacenters").nil()
          .key("Description").str("Read access to the application's keys")
          .key("Hash").bytes(random, rng.below(random.length - 32), 32)
          .key("ID").str(uuid(rng))
          .key("ModifyIndex").uint(index)
          .key("Name").str(`policy-${rng.below(1000)}`)
          .key("Rules").str(`key_prefix "config/app-${rng.below(200)}/" {\n  policy = "read"\n}\n`);
        break;
      case "ConfigEntry": {
        // One raw holding two msgpack values: the kind, then the entry's map.
        const inner = new Msgpack().at(new Uint8Array(512), 0)
          .str("service-defaults")
          .map(4)
          .key("Kind").str("service-defaults")
          .key("Name").str(APPS[rng.below(APPS.length)]!)
          .key("Protocol").str("http")
          .key("RaftIndex").map(2).key("CreateIndex").uint(index).key("ModifyIndex").uint(index);
        m.bytes(inner.out, 0, inner.pos);
        break;
      }
      case "ChunkingState":
        m.map(1).key("ChunkMap").map(1).str(String(index)).array(2)
          .bytes(random, rng.below(random.length - 64), 64)
          .bytes(random, rng.below(random.length - 64), 64);
        break;
      case "SystemMetadata":
        m.map(4)
          .key("CreateIndex").uint(index)
          .key("Key").str(rng.below(2) === 0 ? "virtual-ips" : "intention-format")
          .key("ModifyIndex").uint(index)
          .key("Value").str("config-entry");
        break;
      case "KVS":
        throw new Error("KVS records are written by kvs()");
    }
    return m.pos;
  };

  /** Counts an accepted record of `bytes` bytes. */
  const count = (type: ConsulType, bytes: number, key?: string) => {
    const counted = bytes + (stats.records === 0 ? headerBytes : 0);
    stats.records++;
    stats.stateBytes += bytes;
    tally(stats.types, type, counted);
    if (key !== undefined) tally(stats.keys, prefixOf(key), counted);
  };

  /** The last record: a KVS whose value makes the state exactly `size` bytes. */
  const final = (out: Uint8Array, pos: number, left: number): number => {
    for (let key = "config/final/padding";; key += "x") {
      let length = Math.max(0, left - 200);
      for (let tries = 0; tries < 4; tries++) {
        const end = kvs(out, pos, key, text, length);
        if (end - pos === left) {
          count("KVS", left, key);
          return end;
        }
        length = Math.max(0, length + left - (end - pos));
      }
    }
  };

  const fill = (out: Uint8Array): number => {
    if (out.length < MIN_CHUNK) throw new RangeError(`fill needs at least ${MIN_CHUNK} bytes`);
    if (done) return 0;
    let pos = 0;
    if (!started) {
      started = true;
      out[0] = 0x81;
      pos = m.at(out, 1).key("LastIndex").uint(lastIndex).pos;
      headerBytes = pos;
      stats.stateBytes += pos;
    }
    while (pos + MAX_RECORD <= out.length) {
      const left = size - stats.stateBytes;
      index += 1 + rng.below(20);
      const type = pickType();
      let end: number;
      let key: string | undefined;
      if (type === "KVS") {
        const family = pickFamily();
        key = family.key(rng);
        const length = Math.min(logSize(rng, family.min, family.max), MAX_VALUE);
        end = kvs(out, pos, key, family.random ? random : text, length);
      } else {
        end = other(type, out, pos);
      }
      if (left - (end - pos) < FINAL_SLACK) {
        // This record would leave too little for a well-formed last one: end instead.
        pos = final(out, pos, left);
        done = true;
        break;
      }
      count(type, end - pos, key);
      pos = end;
    }
    return pos;
  };

  return { fill, stats };
}

// ---------------------------------------------------------------------------------------
// Vault

function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

function putVarint(out: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[pos++] = value;
  return pos;
}

/** Vault's barrier prefix: key term 1, AES-GCM version byte. */
const BARRIER = [0, 0, 0, 1, 2];

/**
 * One `StorageEntry` at `pos`: uvarint length, then key (field 1), value (field 2, the
 * barrier prefix and `length - 5` random bytes), and seal_wrap (field 3) when set.
 *
 * @returns The end, and the message length (what Vault's inspect counts).
 */
function storageEntry(
  out: Uint8Array,
  pos: number,
  key: string,
  pool: Uint8Array,
  from: number,
  length: number,
  sealWrap: boolean,
): { end: number; message: number } {
  const message = 1 + varintLength(key.length) + key.length + 1 + varintLength(length) + length +
    (sealWrap ? 2 : 0);
  pos = putVarint(out, pos, message);
  out[pos++] = 0x0a;
  pos = putVarint(out, pos, key.length);
  for (let i = 0; i < key.length; i++) out[pos++] = key.charCodeAt(i);
  out[pos++] = 0x12;
  pos = putVarint(out, pos, length);
  const head = Math.min(BARRIER.length, length);
  for (let i = 0; i < head; i++) out[pos++] = BARRIER[i]!;
  out.set(pool.subarray(from, from + length - head), pos);
  pos += length - head;
  if (sealWrap) {
    out[pos++] = 0x18;
    out[pos++] = 1;
  }
  return { end: pos, message };
}

const VAULT_CORE = [
  "core/audit",
  "core/auth",
  "core/cluster/feature-flags",
  "core/cluster/local/info",
  "core/hsm/barrier-unseal-keys",
  "core/index-header-hmac-key",
  "core/keyring",
  "core/local-audit",
  "core/local-auth",
  "core/local-mounts",
  "core/master",
  "core/mounts",
  "core/seal-config",
  "core/wrapping/jwtkey",
];

/**
 * A Vault `state.bin` of exactly `size` bytes: `core/` entries first, then secrets
 * under `logical/<mount>/...`, tokens, leases, auth entries and policies, each value
 * barrier-encrypted (random after a 5-byte prefix), sizes log-distributed.
 *
 * @throws {RangeError} when `size` is below {@linkcode MIN_STATE}.
 */
export function vaultState(seed: number, size: number): StateGenerator {
  if (size < MIN_STATE) throw new RangeError(`a state needs at least ${MIN_STATE} bytes`);
  const rng = new Rng(seed ^ 0x7a017a01);
  const random = randomPool(rng);
  const mounts = Array.from({ length: 12 }, () => uuid(rng));
  const auths = Array.from({ length: 3 }, () => uuid(rng));
  const pick = <T>(list: readonly T[]) => list[rng.below(list.length)]!;
  const families: { weight: number; key: () => string; min: number; max: number }[] = [
    {
      weight: 0.45,
      min: 64,
      max: MAX_VALUE,
      key: () =>
        `logical/${pick(mounts)}/${pick(["data", "metadata", "versions"])}/${pick(APPS)}/${
          hexString(rng, 8)
        }`,
    },
    { weight: 0.15, min: 200, max: 900, key: () => `sys/token/id/h${hexString(rng, 64)}` },
    { weight: 0.1, min: 100, max: 300, key: () => `sys/token/accessor/${hexString(rng, 40)}` },
    {
      weight: 0.15,
      min: 300,
      max: 1500,
      key: () => `sys/expire/id/auth/token/create/h${hexString(rng, 64)}`,
    },
    {
      weight: 0.1,
      min: 100,
      max: 4000,
      key: () => `auth/${pick(auths)}/${pick(["role", "user", "entity"])}/${hexString(rng, 12)}`,
    },
    { weight: 0.05, min: 200, max: 8000, key: () => `sys/policy/${pick(APPS)}-${rng.below(500)}` },
  ];
  const familyTotal = families.reduce((sum, f) => sum + f.weight, 0);
  const core = [...VAULT_CORE];
  const stats: GeneratedStats = {
    product: "vault",
    records: 0,
    stateBytes: 0,
    types: new Map(),
    keys: new Map(),
  };
  let done = false;

  const count = (key: string, bytes: number, message: number) => {
    stats.records++;
    stats.stateBytes += bytes;
    tally(stats.keys, prefixOf(key), message);
  };

  const final = (out: Uint8Array, pos: number, left: number): number => {
    for (let key = "sys/counters/requests/final";; key += "x") {
      let length = Math.max(0, left - 100);
      for (let tries = 0; tries < 4; tries++) {
        const { end, message } = storageEntry(out, pos, key, random, 0, length, false);
        if (end - pos === left) {
          count(key, left, message);
          return end;
        }
        length = Math.max(0, length + left - (end - pos));
      }
    }
  };

  const fill = (out: Uint8Array): number => {
    if (out.length < MIN_CHUNK) throw new RangeError(`fill needs at least ${MIN_CHUNK} bytes`);
    if (done) return 0;
    let pos = 0;
    while (pos + MAX_RECORD <= out.length) {
      const left = size - stats.stateBytes;
      let key: string;
      let length: number;
      let sealWrap = false;
      if (core.length > 0) {
        key = core.shift()!;
        length = logSize(rng, 100, 20000);
        sealWrap = key === "core/keyring" || key === "core/master" ||
          key === "core/hsm/barrier-unseal-keys";
      } else {
        let x = (rng.u32() / 4294967296) * familyTotal;
        let family = families[0]!;
        for (const f of families) {
          family = f;
          if ((x -= f.weight) < 0) break;
        }
        key = family.key();
        length = Math.min(logSize(rng, family.min, family.max), MAX_VALUE);
      }
      const from = rng.below(random.length - length);
      const { end, message } = storageEntry(out, pos, key, random, from, length, sealWrap);
      if (left - (end - pos) < FINAL_SLACK) {
        pos = final(out, pos, left);
        done = true;
        break;
      }
      count(key, end - pos, message);
      pos = end;
    }
    return pos;
  };

  return { fill, stats };
}
