// The `gifee --help` text and the list of commands (snapshot-tested in help-snapshots.test.ts).

export const HELP = `gifee: a Kubernetes-compatible cluster in one command

Run a cluster:
  gifee up [flags]                         run a cluster on this machine (kubectl context "gifee")
  gifee server --data-dir DIR [flags]      a control plane with explicit data dir, port, kubeconfig
  gifee agent --server URL --token T       join a cluster as a worker node
  gifee service install [up|server|agent]  run gifee as a systemd/OpenRC service (started at boot)
  gifee reset [--purge]                    remove what gifee set up (containers, mounts, networks)

Use it:
  gifee kubectl ARGS...                    kubectl against this machine's cluster (admin kubeconfig)
  gifee kubeconfig --data-dir DIR          print the admin kubeconfig of a data dir
  gifee images ls|import|pull|rm           manage this node's images
  gifee token create|list|delete           bootstrap tokens for joining nodes
  gifee user add NAME [--group G]          a person's certificate and kubeconfig
  gifee secrets reencrypt --data-dir DIR   rewrite Secrets with the current encryption key
  gifee snapshot save|ls|verify|restore    back up and restore the cluster's store and identity
  gifee etcd members|remove                the managed etcd's members (servers with --cluster-init)
  gifee upgrade plan|status                move the node agents to another gifee build, node by node
  gifee certs check|rotate-ca               the PKI's certificates and when each expires; a new CA
  gifee sim nodes --count N                N simulated nodes (pods without containers)
  gifee network-policy explain|counters    why traffic between pods is allowed or dropped

This machine and this gifee:
  gifee doctor                             check this machine for what gifee needs, and what to do
  gifee completion bash|zsh|fish           shell completion (source <(gifee completion bash))
  gifee version                            version, commit, Kubernetes API version (also --version)

Run "gifee COMMAND --help" for a command's flags. up, server and agent log text on a terminal and
JSON lines otherwise (--log-format, --log-level, -q, -v); set NO_COLOR to turn colour off.`;

/** The commands `gifee` accepts (a mistyped one is matched against these). */
export const COMMANDS = ['up', 'server', 'agent', 'kubeconfig', 'kubectl', 'sim', 'images', 'token', 'user', 'secrets', 'snapshot', 'etcd', 'upgrade', 'certs', 'service', 'reset', 'doctor', 'network-policy', 'completion', 'version'];
