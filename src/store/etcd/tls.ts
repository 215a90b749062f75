// How an etcd3 client reaches etcd: the endpoints and, for a managed or TLS etcd, client TLS.

/** Client TLS for etcd (PEM): the CA that signed etcd's serving certificate, and our client certificate. */
export interface EtcdTls {
  ca: string;
  cert: string;
  key: string;
  /**
   * The name checked in etcd's certificate instead of the endpoint's host (a managed etcd's
   * "localhost", which every member certificate of its dedicated CA carries): TLS clients must not
   * send an IP address as SNI, and Node warns when asked to.
   */
  serverName?: string;
}

/** etcd3's options for these endpoints, with client-certificate credentials when TLS is given (https:// endpoints). */
export function etcdClientOptions(endpoints: string[], tls?: EtcdTls) {
  return { hosts: endpoints, dialTimeout: 5000, ...(tls ? { credentials: { rootCertificate: Buffer.from(tls.ca), certChain: Buffer.from(tls.cert), privateKey: Buffer.from(tls.key) } } : {}), ...(tls?.serverName ? { grpcOptions: { 'grpc.ssl_target_name_override': tls.serverName } } : {}) };
}
