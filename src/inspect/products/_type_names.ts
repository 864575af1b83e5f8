// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// This module is browser compatible.

/**
 * The record type names `consul snapshot inspect` and `nomad operator snapshot inspect`
 * print, by type byte (Consul `agent/structs/structs.go`, Nomad `nomad/fsm.go`).
 */

// Consul: 37 has no name upstream (the constant was removed), so it prints Unknown(37).
const CONSUL: readonly (string | undefined)[] = [
  "Register", // 0
  "Deregister",
  "KVS",
  "Session",
  "ACL",
  "Tombstone", // 5
  "CoordinateBatchUpdate",
  "PreparedQuery",
  "Txn",
  "Autopilot",
  "Area", // 10
  "ACLBootstrap",
  "Intention",
  "ConnectCA",
  "ConnectCAProviderState",
  "ConnectCAConfig", // 15
  "Index",
  "ACLToken",
  "ACLTokenDelete",
  "ACLPolicy",
  "ACLPolicyDelete", // 20
  "ConnectCALeaf",
  "ConfigEntry",
  "ACLRole",
  "ACLRoleDelete",
  "ACLBindingRule", // 25
  "ACLBindingRuleDelete",
  "ACLAuthMethod",
  "ACLAuthMethodDelete",
  "ChunkingState",
  "FederationState", // 30
  "SystemMetadata",
  "ServiceVirtualIP",
  "FreeVirtualIP",
  "KindServiceName",
  "Peering", // 35
  "PeeringDelete",
  undefined, // 37
  "PeeringTrustBundle",
  "PeeringTrustBundleDelete",
  "PeeringSecret", // 40
  "RaftLogVerifierCheckpoint",
  "Resource",
  "UpdateManualVirtualIPRequestType", // 43
];

const NOMAD: readonly (string | undefined)[] = [
  "Node", // 0
  "Job",
  "Index",
  "Eval",
  "Alloc",
  "TimeTable", // 5
  "PeriodicLaunch",
  "JobSummary",
  "VaultAccessor",
  "JobVersion",
  "Deployment", // 10
  "ACLPolicy",
  "ACLToken",
  "SchedulerConfig",
  "ClusterMetadata",
  "ServiceIdentityTokenAccessor", // 15
  "ScalingPolicy",
  "CSIPlugin",
  "CSIVolume",
  "ScalingEvents",
  "EventSink", // 20
  "ServiceRegistration",
  "Variables",
  "VariablesQuota",
  "RootKeyMeta",
  "ACLRole", // 25
  "ACLAuthMethod",
  "ACLBindingRule",
  "NodePool",
  "JobSubmission",
  "WrappedRootKeys", // 30
  "HostVolumeSnapshot",
];

/** Nomad's types outside the dense table. */
const NOMAD_EXTRA: ReadonlyMap<number, string> = new Map([[64, "Namespace"]]);

/**
 * The name a product's inspect prints for a record type byte.
 *
 * @param product Whose table to use.
 * @param type The type byte.
 * @returns The name and whether the table knows it; `Unknown(N)` when it does not
 * (Consul's Enterprise types 64 and up, its unnamed 37, anything newer than the table).
 */
export function recordTypeName(
  product: "consul" | "nomad",
  type: number,
): { name: string; known: boolean } {
  const name = product === "consul" ? CONSUL[type] : NOMAD[type] ?? NOMAD_EXTRA.get(type);
  return name === undefined ? { name: `Unknown(${type})`, known: false } : { name, known: true };
}
