// The contract between the local cluster's object store (used by the API server) and its in-process
// controllers. Controllers talk to the store directly, like informers plus a client, not over HTTP.
import type { KubeObject, WatchEvent } from '../../shared/kube-types.ts';

/** A resource type as the API names it: group ('' for core), version, plural, kind, scope. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export interface ListOptions {
  namespace?: string;
  /** Kubernetes label selector syntax: `a=b,c!=d,e in (f,g),!h`. */
  labelSelector?: string;
  /** `metadata.name=x,metadata.namespace=y,status.phase=Running` */
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /**
   * In-process callers only (controllers, the proxy): a predicate applied to the stored objects
   * before they are copied, so a controller that needs a few objects of a namespace does not copy
   * all of them. It must not change the object it is given.
   */
  filter?: (o: KubeObject) => boolean;
  /** In-process callers that only read (the proxy's route tables): the stored objects, not copies. */
  readOnly?: boolean;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export interface WriteOptions {
  /** Optimistic concurrency: fail with Conflict when the stored resourceVersion differs. */
  resourceVersion?: string;
  dryRun?: boolean;
  /** Which sub-part is written: the main object, or the status subresource only. */
  subresource?: 'status' | 'scale';
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  dryRun?: boolean;
  gracePeriodSeconds?: number;
}

export type WatchHandler = (event: WatchEvent) => void;

export interface ObjectStore {
  /** All registered resource types, built-in and from CRDs. */
  resourceTypes(): ResourceType[];
  resourceTypeFor(apiVersion: string, kind: string): ResourceType | undefined;

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;
  list(type: ResourceType, options?: ListOptions): ListResult;
  /** Assigns uid, resourceVersion, generation 1, creationTimestamp. Throws ApiStatusError on conflict. */
  create(type: ResourceType, obj: KubeObject, options?: WriteOptions): KubeObject;
  /** Replaces the object; bumps generation when anything outside metadata and status changed. */
  update(type: ResourceType, obj: KubeObject, options?: WriteOptions): KubeObject;
  /**
   * Deletes (or marks for deletion when finalizers remain). Owned objects are collected per
   * propagationPolicy by the garbage collector.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): KubeObject;
  /** Events after `resourceVersion` (all current objects as ADDED when omitted). Returns unsubscribe. */
  watch(
    type: ResourceType,
    options: ListOptions & { resourceVersion?: string },
    handler: WatchHandler,
  ): () => void;
  /** The newest resourceVersion issued. */
  currentResourceVersion(): string;
}
