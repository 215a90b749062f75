// The contract between the node agent's pod workers and its image store. The store keeps blobs by
// digest and each layer extracted once (as an overlayfs lower directory, whiteouts converted to
// overlayfs form), so starting a pod never rescans or copies layers.

/** The parts of an OCI image config a container needs (config.config in the OCI image spec). */
export interface ImageRunConfig {
  user?: string;
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  exposedPorts?: Record<string, unknown>;
}

export interface ImageInfo {
  /** "sha256:<hex>" of the image config: the image ID (`imageID` in containerStatuses is "<repo>@<manifest digest>" when known). */
  id: string;
  /** Every reference that names it ("docker.io/library/busybox:latest", "registry.local/web:1"). */
  references: string[];
  /** Manifest digest when known ("sha256:..."). */
  digest?: string;
  /** Total size of the compressed layers in bytes. */
  size: number;
  config: ImageRunConfig;
  /** Extracted layer directories, lowest layer first, ready to be overlayfs lowerdirs. */
  layerDirs: string[];
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface PullAuth {
  username?: string;
  password?: string;
  /** A registry bearer or identity token. */
  token?: string;
}

/** Raised with a Kubernetes waiting reason: ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName. */
export class ImageError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName',
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

/** Progress of a transfer: bytes done so far of total (for people watching `gifee images`). */
export type ByteProgress = (done: number, total: number) => void;

export interface ImageStore {
  /** The image a reference names, if present locally (normalizes "busybox" to "docker.io/library/busybox:latest"). */
  get(ref: string): Promise<ImageInfo | undefined>;
  /** Present it per the pull policy: pull from its registry when needed. Throws ImageError. */
  ensure(ref: string, policy: PullPolicy, auth?: PullAuth[]): Promise<ImageInfo>;
  /**
   * Import an OCI image layout (directory or tar) or a docker-archive tarball; returns the images it
   * held. onProgress, if given, hears the bytes of a tar file read so far and its size.
   */
  importFile(path: string, onProgress?: ByteProgress): Promise<ImageInfo[]>;
  list(): Promise<ImageInfo[]>;
  /** Remove a reference (and the image's blobs and layers when nothing else names it). */
  remove(ref: string): Promise<void>;
}
