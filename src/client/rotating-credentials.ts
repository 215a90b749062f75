// A client certificate that can be replaced while clients use it (a node agent renewing its
// certificate): every RestClient made from a config holding the same RotatingCredentials (configs
// are copied by spreading, so they share it) uses the new pair for its next connections.

export class RotatingCredentials {
  private pair: { cert: string; key: string };
  private gen = 0;

  constructor(cert: string, key: string) {
    this.pair = { cert, key };
  }

  get current(): { cert: string; key: string } {
    return this.pair;
  }

  /** Bumped by each set(): clients compare it to the one their connections were made with. */
  get generation(): number {
    return this.gen;
  }

  set(cert: string, key: string) {
    this.pair = { cert, key };
    this.gen++;
  }
}

/**
 * A CA bundle that can be replaced while clients use it (a joined agent taking the cluster's new
 * bundle during a CA rotation, cli/ca-bundle.ts): every RestClient whose config holds it verifies
 * servers with the new bundle from its next connections on, whatever it authenticates with.
 */
export class RotatingCa {
  private gen = 0;

  constructor(private bundle: string) {}

  get current(): string {
    return this.bundle;
  }

  get generation(): number {
    return this.gen;
  }

  set(bundle: string) {
    this.bundle = bundle;
    this.gen++;
  }
}
