// Copyright 2026 the raftsnap authors. Apache-2.0 license.

/**
 * What each product's records are, as an operator names them: Consul's catalog (nodes,
 * services, checks), ACL tokens and policies, sessions, config entries and intentions;
 * Nomad's jobs (with their task groups), allocations, nodes and variables; and anything
 * else by its record type. Each record gets a section, a label (what search finds) and a
 * one-line detail, read from the record as `decodeRecords` decoded it (redacted: a label
 * never holds a secret).
 *
 * @module
 */

import type { DecodedRecord, DecodedValue } from "../../mod.ts";

/** The product whose state the explorer shows. */
export type ProductName = "consul" | "nomad" | "vault";

/** A record's place in the explorer. */
export interface Entry {
  /** The section's id (`services`, `jobs`, `other`, ...). */
  section: string;
  /** What the list shows and search matches: a service's name, a job's ID, ... */
  label: string;
  /** One line of facts beside it. */
  detail: string;
}

/** A section of the explorer: its id and its title. */
export interface Section {
  id: string;
  title: string;
}

/** The sections of each product, in the order the page lists them. */
export const SECTIONS: Record<ProductName, Section[]> = {
  consul: [
    { id: "kv", title: "KV store" },
    { id: "nodes", title: "Nodes" },
    { id: "services", title: "Services" },
    { id: "checks", title: "Checks" },
    { id: "acl-tokens", title: "ACL tokens" },
    { id: "acl-policies", title: "ACL policies" },
    { id: "acl-other", title: "ACL roles, rules, methods" },
    { id: "sessions", title: "Sessions" },
    { id: "config-entries", title: "Config entries" },
    { id: "intentions", title: "Intentions" },
    { id: "other", title: "Other records" },
  ],
  nomad: [
    { id: "jobs", title: "Jobs" },
    { id: "allocations", title: "Allocations" },
    { id: "nodes", title: "Nodes" },
    { id: "variables", title: "Variables" },
    { id: "other", title: "Other records" },
  ],
  vault: [{ id: "kv", title: "Storage paths" }],
};

type Obj = { [key: string]: DecodedValue };

function obj(value: DecodedValue | undefined): Obj | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Obj
    : undefined;
}

function str(value: DecodedValue | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return "";
  return String(value);
}

function facts(...parts: (string | false | undefined)[]): string {
  return parts.filter((p) => p).join(" · ");
}

/** The size a redaction marker states (`[redacted: 73 bytes]`), or a string's length. */
export function markedSize(value: DecodedValue | undefined): number {
  if (typeof value !== "string") return 0;
  const match = /^\[redacted: (\d+) bytes?\]$/.exec(value);
  return match ? Number(match[1]) : value.length;
}

/**
 * Where a record (not a KV entry: those go to the key tree) belongs, with its label.
 *
 * @param product Whose state it is.
 * @param record The record, redacted.
 */
export function classify(product: ProductName, record: DecodedRecord): Entry {
  const v = obj(record.value) ?? {};
  const other = (): Entry => ({
    section: "other",
    label: record.name,
    detail: `record ${record.number}`,
  });
  if (product === "consul") {
    switch (record.name) {
      case "Register": {
        const service = obj(v.Service);
        const check = obj(v.Check);
        if (check) {
          return {
            section: "checks",
            label: str(check.Name) || str(check.CheckID),
            detail: facts(str(check.Node), str(check.CheckID), str(check.Status)),
          };
        }
        if (service) {
          return {
            section: "services",
            label: str(service.Service),
            detail: facts(
              str(v.Node),
              str(service.ID),
              service.Port ? `port ${str(service.Port)}` : "",
              str(service.Kind),
            ),
          };
        }
        return {
          section: "nodes",
          label: str(v.Node),
          detail: facts(str(v.Address), str(v.Datacenter), str(v.ID)),
        };
      }
      case "ACLToken":
      case "ACL":
        return {
          section: "acl-tokens",
          label: str(v.AccessorID) || str(v.Name) || `token ${record.number}`,
          detail: facts(str(v.Description), v.Local === true && "local"),
        };
      case "ACLPolicy":
        return {
          section: "acl-policies",
          label: str(v.Name),
          detail: facts(str(v.ID), str(v.Description)),
        };
      case "ACLRole":
      case "ACLBindingRule":
      case "ACLAuthMethod":
        return {
          section: "acl-other",
          label: str(v.Name) || str(v.ID),
          detail: facts(record.name, str(v.Description)),
        };
      case "Session":
        return {
          section: "sessions",
          label: str(v.ID),
          detail: facts(str(v.Name), str(v.Node), str(v.Behavior), str(v.TTL)),
        };
      case "ConfigEntry": {
        const entry = obj(v.Entry) ?? v;
        return {
          section: str(entry.Kind) === "service-intentions" ? "intentions" : "config-entries",
          label: `${str(entry.Kind)}/${str(entry.Name)}`,
          detail: facts(str(entry.Kind), str(entry.Namespace), str(entry.Partition)),
        };
      }
      case "Intention":
        return {
          section: "intentions",
          label: `${str(v.SourceName)} → ${str(v.DestinationName)}`,
          detail: facts(str(v.Action), str(v.ID)),
        };
    }
    return other();
  }
  if (product === "nomad") {
    switch (record.name) {
      case "Job": {
        const groups = Array.isArray(v.TaskGroups) ? v.TaskGroups.map(obj) : [];
        return {
          section: "jobs",
          label: str(v.ID),
          detail: facts(
            str(v.Namespace),
            str(v.Type),
            str(v.Status),
            groups.length > 0 &&
              `groups: ${groups.map((g) => `${str(g?.Name)} ×${str(g?.Count)}`).join(", ")}`,
          ),
        };
      }
      case "Alloc":
        return {
          section: "allocations",
          label: str(v.Name) || str(v.ID),
          detail: facts(str(v.JobID), str(v.ClientStatus), str(v.NodeName), str(v.ID)),
        };
      case "Node":
        return {
          section: "nodes",
          label: str(v.Name) || str(v.ID),
          detail: facts(str(v.Status), str(v.Datacenter), str(v.NodePool), str(v.ID)),
        };
      case "Variables":
        return {
          section: "variables",
          label: str(v.Path),
          detail: facts(
            str(v.Namespace),
            `modify index ${str(v.ModifyIndex)}`,
            `${markedSize(v.Data)} encrypted bytes`,
          ),
        };
    }
    return other();
  }
  return other();
}
