// Fields behind Kubernetes 1.32 feature gates that are off by default, dropped as its API server
// drops them (pkg/api/pod DropDisabledPodFields, pkg/api/persistentvolumeclaim DropDisabledFields):
// silently on create, and on update unless the old object already used them (so an object written
// while a gate was on keeps its value). Only gates whose features gifee does not implement either
// are listed; features gifee's node does implement or refuse honestly (supplementalGroupsPolicy,
// procMount, hostUsers) behave as with their gate turned on.
//
//   PodLevelResources (alpha)            spec.resources
//   DynamicResourceAllocation (beta off)  spec.resourceClaims, containers[*].resources.claims
//   InPlacePodVerticalScaling (alpha)     containers[*].resizePolicy
//   ImageVolume (alpha)                   volumes[*].image
//   ClusterTrustBundleProjection (alpha)  volumes[*].projected.sources[*].clusterTrustBundle
//   SELinuxChangePolicy (alpha)           securityContext.seLinuxChangePolicy
//   VolumeAttributesClass (beta off)      PVC and PV spec.volumeAttributesClassName

import { type Obj, isObj, isSet, objects } from './checks.js';

function containers(spec: Obj): Obj[] {
  return [...objects(spec.initContainers), ...objects(spec.containers), ...objects(spec.ephemeralContainers)];
}

const projections = (spec: Obj): Obj[] => objects(spec.volumes).flatMap((v) => (isObj(v.projected) ? objects(v.projected.sources) : []));

/** One gate's fields: whether a spec uses them, and how to drop them. */
interface GatedFields {
  inUse(spec: Obj): boolean;
  drop(spec: Obj): void;
}

const GATED: GatedFields[] = [
  { inUse: (s) => isSet(s.resources), drop: (s) => delete s.resources },
  {
    inUse: (s) => objects(s.resourceClaims).length > 0 || containers(s).some((c) => isObj(c.resources) && objects(c.resources.claims).length > 0),
    drop: (s) => {
      delete s.resourceClaims;
      for (const c of containers(s)) if (isObj(c.resources)) delete c.resources.claims;
    },
  },
  {
    inUse: (s) => containers(s).some((c) => isSet(c.resizePolicy)),
    drop: (s) => {
      for (const c of containers(s)) delete c.resizePolicy;
    },
  },
  {
    inUse: (s) => objects(s.volumes).some((v) => isSet(v.image)),
    drop: (s) => {
      for (const v of objects(s.volumes)) delete v.image;
    },
  },
  {
    inUse: (s) => projections(s).some((p) => isSet(p.clusterTrustBundle)),
    drop: (s) => {
      for (const p of projections(s)) delete p.clusterTrustBundle;
    },
  },
  {
    inUse: (s) => isObj(s.securityContext) && isSet(s.securityContext.seLinuxChangePolicy),
    drop: (s) => {
      if (isObj(s.securityContext)) delete s.securityContext.seLinuxChangePolicy;
    },
  },
];

/** Drops, in place, the disabled fields of a pod spec; on update (`old` given) those the old spec used stay. */
export function dropDisabledPodSpecFields(spec: unknown, old?: unknown): void {
  if (!isObj(spec)) return;
  const oldSpec = isObj(old) ? old : undefined;
  for (const g of GATED) if (!(oldSpec && g.inUse(oldSpec))) g.drop(spec);
}

/** The same for a workload's pod template (its spec). */
export function dropDisabledTemplateFields(template: unknown, oldTemplate?: unknown): void {
  if (!isObj(template)) return;
  dropDisabledPodSpecFields(template.spec, isObj(oldTemplate) ? oldTemplate.spec : undefined);
}

/** PersistentVolumeClaim and PersistentVolume specs: volumeAttributesClassName (VolumeAttributesClass is off in 1.32). */
export function dropDisabledVolumeSpecFields(spec: unknown, old?: unknown): void {
  if (!isObj(spec)) return;
  if (isObj(old) && isSet(old.volumeAttributesClassName)) return;
  delete spec.volumeAttributesClassName;
}
