// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

import type { SnapshotMeta } from "../../format/meta.ts";

/**
 * The metadata block Consul's and Vault's inspect print first (Vault's formatter is a
 * copy of Consul's): ` ID`, ` Size`, ` Index`, ` Term`, ` Version`, each a label, a tab
 * and the value, for their tabwriter to align, and a final newline.
 */
export function metaLines(meta: SnapshotMeta): string {
  return ` ID\t${meta.id}\n Size\t${meta.size}\n Index\t${meta.index}\n Term\t${meta.term}\n` +
    ` Version\t${meta.version}\n`;
}

/** The `Meta` member of Consul's and Vault's inspect JSON. */
export function metaJson(meta: SnapshotMeta): { [key: string]: bigint | number | string } {
  return {
    ID: meta.id,
    Size: meta.size,
    Index: meta.index,
    Term: meta.term,
    Version: meta.version,
  };
}
