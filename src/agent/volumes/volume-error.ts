// Why a pod's volume cannot be set up (yet): the pod waits in ContainerCreating and the user sees a
// FailedMount event. The worker words the event "MountVolume.SetUp failed: <message>" unless the
// error carries the kubelet's own wording for its step (MountDevice, WaitForAttach, MapVolume...).

export class VolumeError extends Error {
  constructor(
    message: string,
    /** The whole event message, when the step that failed is not MountVolume.SetUp. */
    readonly eventMessage?: string,
  ) {
    super(message);
  }
}
