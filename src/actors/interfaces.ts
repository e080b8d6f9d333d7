import * as v from 'valibot';
import { defineInterface, method, type MemberSpec } from '../firefly/idl.js';

/** How a resource is listed: its printable id and interface. */
export const ResourceSummarySchema = v.object({
  id: v.string(),
  interface: v.string(),
  owner: v.optional(v.string()),
});

/** A resource as listed by `resources`. */
export type ResourceSummary = v.InferOutput<typeof ResourceSummarySchema>;

/** A process and, recursively, the processes it owns (a supervision tree). */
export interface ProcessInfo {
  id: string;
  kind: string;
  interface: string;
  owner?: string;
  /** Resources it owns that are not processes. */
  resources: ResourceSummary[];
  /** Processes it owns (a supervisor's children), in start order. */
  children: ProcessInfo[];
}

/** Schema of {@link ProcessInfo}. */
export const ProcessInfoSchema: v.GenericSchema<ProcessInfo> = v.object({
  id: v.string(),
  kind: v.string(),
  interface: v.string(),
  owner: v.optional(v.string()),
  resources: v.array(ResourceSummarySchema),
  children: v.array(v.lazy(() => ProcessInfoSchema)),
});

/** Members every process answers. Kinds that add members declare them with {@link processInterface}. */
export const processMembers = {
  info: method(v.object({}), ProcessInfoSchema, { description: 'what this process is and the tree of what it owns', access: 'read' }),
  resources: method(v.object({}), v.array(ResourceSummarySchema), { description: 'the resources this process owns', access: 'read' }),
  terminate: method(
    v.object({ reason: v.optional(v.picklist(['normal', 'shutdown'])) }),
    v.object({ terminated: v.boolean() }),
    { description: 'ends this process and everything it owns' },
  ),
} as const;

/** `glow.Process/1`: what every process answers. */
export const ProcessInterface = defineInterface('glow.Process/1', processMembers);

/** Declares the interface of a process kind that answers more than `glow.Process/1`. */
export function processInterface<const Id extends string, const M extends Record<string, MemberSpec>>(id: Id, members: M) {
  return defineInterface(id, { ...processMembers, ...members });
}

/** A registered process kind, as `kinds` lists it. */
export const KindSummarySchema = v.object({
  name: v.string(),
  description: v.optional(v.string()),
  interface: v.string(),
  args: v.optional(v.record(v.string(), v.unknown())),
});

/** A report as `info` lists it (see `NodeReport`). */
export const NodeReportSchema = v.object({
  event: v.string(),
  source: v.string(),
  message: v.string(),
  details: v.optional(v.record(v.string(), v.unknown())),
  at: v.number(),
});

/** `glow.Node/1`: the node itself as a resource. */
export const NodeInterface = defineInterface('glow.Node/1', {
  info: method(
    v.object({}),
    v.object({ id: v.string(), resources: v.number(), processes: v.array(ProcessInfoSchema), reports: v.array(NodeReportSchema) }),
    { description: "this node's id, its supervision trees and its most recent reports (children ended, failed starts)" },
  ),
  kinds: method(v.object({}), v.array(KindSummarySchema), { description: 'process kinds this node can spawn' }),
  spawn: method(v.object({ kind: v.string(), args: v.optional(v.unknown()) }), v.object({ id: v.string() }), {
    description: 'starts a process of a registered kind; answers its id',
  }),
  processes: method(v.object({}), v.array(ProcessInfoSchema), { description: 'top-level processes and their trees' }),
  resources: method(v.object({}), v.array(ResourceSummarySchema), { description: 'every resource on this node' }),
});
