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
