// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * Which fields of a Consul or Nomad record hold secrets, and what is printed instead.
 *
 * A secret field's whole subtree is redacted: every string or byte leaf becomes
 * {@linkcode redactionMarker} (its size in bytes), while map keys, numbers, booleans and
 * nulls stay, so that the shape (how many keys, which mechanism number, whether a value
 * is set) is still visible. Matching is by Go field name, in any nested map:
 *
 * - by record type: Consul KVS (2) and Tombstone (5) `Value`, Consul legacy ACL (4) `ID`
 *   (the token itself), Nomad Variables (22) `Data` (the encrypted items);
 * - in every record, names that end (case and `_`/`-` ignored) in `SecretID`, `Secret`,
 *   `Secrets`, `Password`, `PrivateKey`, `PrivateKeyPEM`, `SigningKey`, `Token`, `Tokens`,
 *   `EncryptionKey`, `RSAKey`: ACL token secrets (Consul `ACLToken`, Nomad `ACLToken` and
 *   `Node.SecretID`), the CA provider's `PrivateKey` and root `SigningKey`, leaf
 *   `PrivateKeyPEM`, peering secrets, OIDC client secrets, CSI `Secrets`, request
 *   `Token`s, Nomad `VaultToken`/`ConsulToken`, and Nomad wrapped root keys
 *   (`KeyEncryptionKey`, `WrappedDataEncryptionKey`, `WrappedRSAKey`).
 *
 * Certificates (`RootCert`, `SigningCert`) are public and stay; so do `Hash` fields and
 * IDs that merely name a secret (`AccessorID`, `SigningKeyID`, `PrivateKeyType`).
 */

const SECRET_SUFFIXES = [
  "secretid",
  "secret",
  "secrets",
  "password",
  "privatekey",
  "privatekeypem",
  "signingkey",
  "token",
  "tokens",
  "encryptionkey",
  "rsakey",
];

const BY_TYPE: Record<"consul" | "nomad", ReadonlyMap<number, ReadonlySet<string>>> = {
  consul: new Map([
    [2, new Set(["Value"])], // KVS: DirEntry.Value
    [4, new Set(["ID"])], // legacy ACL: the ID is the token
    [5, new Set(["Value"])], // Tombstone
  ]),
  nomad: new Map([
    [22, new Set(["Data"])], // Variables: VariableEncrypted.Data
  ]),
};

const cache = new Map<string, boolean>();

/**
 * Whether a field holds a secret.
 *
 * @param product Whose record it is.
 * @param type The record type byte.
 * @param key The map key (a Go field name, or a key of a nested map).
 * @param depth 0 for the record's own fields, more in nested maps.
 */
export function isSecretField(
  product: "consul" | "nomad",
  type: number,
  key: string,
  depth: number,
): boolean {
  if (depth === 0 && BY_TYPE[product].get(type)?.has(key)) return true;
  let secret = cache.get(key);
  if (secret === undefined) {
    const folded = key.replace(/[_-]/g, "").toLowerCase();
    secret = SECRET_SUFFIXES.some((suffix) => folded.endsWith(suffix));
    if (cache.size < 10_000) cache.set(key, secret);
  }
  return secret;
}

/**
 * What a redacted leaf prints as: its size, never its bytes.
 *
 * @param bytes The leaf's length in bytes (a raw's length).
 */
export function redactionMarker(bytes: number): string {
  return `[redacted: ${bytes} ${bytes === 1 ? "byte" : "bytes"}]`;
}
