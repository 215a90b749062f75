// CRDs in the shapes of well-known projects (cert-manager, the Prometheus operator, Gateway API),
// trimmed to what the tests exercise but keeping their real names, versions, columns and subresources.

const condition = {
  type: 'object',
  required: ['status', 'type'],
  properties: {
    type: { type: 'string' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string' },
    message: { type: 'string' },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    observedGeneration: { type: 'integer', format: 'int64' },
  },
};

export const certificateCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'certificates.cert-manager.io', labels: { app: 'cert-manager' } },
  spec: {
    group: 'cert-manager.io',
    names: { kind: 'Certificate', listKind: 'CertificateList', plural: 'certificates', shortNames: ['cert', 'certs'], singular: 'certificate', categories: ['cert-manager'] },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { jsonPath: '.status.conditions[?(@.type=="Ready")].status', name: 'Ready', type: 'string' },
          { jsonPath: '.spec.secretName', name: 'Secret', type: 'string' },
          { jsonPath: '.spec.issuerRef.name', name: 'Issuer', type: 'string', priority: 1 },
          { jsonPath: '.status.conditions[?(@.type=="Ready")].message', name: 'Status', type: 'string', priority: 1 },
          { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
        ],
        schema: {
          openAPIV3Schema: {
            description: 'A Certificate resource should be created to ensure an up to date and signed X.509 certificate is stored in the Kubernetes Secret resource named in `spec.secretName`.',
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                description: 'Specification of the desired state of the Certificate resource.',
                type: 'object',
                required: ['issuerRef', 'secretName'],
                properties: {
                  commonName: { type: 'string', description: 'Requested common name X509 certificate subject attribute.' },
                  dnsNames: { type: 'array', items: { type: 'string' }, description: 'Requested DNS subject alternative names.' },
                  duration: { type: 'string', description: "Requested 'duration' (i.e. lifetime) of the Certificate." },
                  renewBefore: { type: 'string' },
                  secretName: { type: 'string', description: 'Name of the Secret resource that will be automatically created and managed by this Certificate resource.' },
                  issuerRef: {
                    description: 'Reference to the issuer responsible for issuing the certificate.',
                    type: 'object',
                    required: ['name'],
                    properties: {
                      group: { type: 'string', description: 'Group of the resource being referred to.' },
                      kind: { type: 'string', description: 'Kind of the resource being referred to.' },
                      name: { type: 'string', description: 'Name of the resource being referred to.' },
                    },
                  },
                  privateKey: {
                    type: 'object',
                    properties: {
                      algorithm: { type: 'string', enum: ['RSA', 'ECDSA', 'Ed25519'] },
                      size: { type: 'integer' },
                      rotationPolicy: { type: 'string', enum: ['Never', 'Always'] },
                    },
                  },
                  usages: { type: 'array', items: { type: 'string' } },
                },
              },
              status: {
                type: 'object',
                properties: {
                  conditions: { type: 'array', items: condition, 'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map' },
                  notAfter: { type: 'string', format: 'date-time' },
                  revision: { type: 'integer' },
                },
              },
            },
          },
        },
      },
    ],
  },
};

const selector = {
  type: 'object',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: { type: 'array', items: { type: 'object', required: ['key', 'operator'], properties: { key: { type: 'string' }, operator: { type: 'string' }, values: { type: 'array', items: { type: 'string' } } } } },
  },
  'x-kubernetes-map-type': 'atomic',
};

export const serviceMonitorCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { categories: ['prometheus-operator'], kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', shortNames: ['smon'], singular: 'servicemonitor' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        selectableFields: [{ jsonPath: '.spec.jobLabel' }],
        schema: {
          openAPIV3Schema: {
            description: 'ServiceMonitor defines monitoring for a set of services.',
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['selector'],
                properties: {
                  jobLabel: { type: 'string' },
                  endpoints: {
                    type: 'array',
                    description: 'A list of endpoints allowed as part of this ServiceMonitor.',
                    items: {
                      type: 'object',
                      properties: {
                        port: { type: 'string', description: 'Name of the Service port which this endpoint refers to.' },
                        targetPort: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                        path: { type: 'string' },
                        scheme: { type: 'string', enum: ['http', 'https'] },
                        interval: { type: 'string', pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$' },
                        honorLabels: { type: 'boolean' },
                      },
                    },
                  },
                  namespaceSelector: { type: 'object', properties: { any: { type: 'boolean' }, matchNames: { type: 'array', items: { type: 'string' } } } },
                  selector,
                },
              },
            },
          },
        },
      },
    ],
  },
};

export const prometheusCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'prometheuses.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { categories: ['prometheus-operator'], kind: 'Prometheus', listKind: 'PrometheusList', plural: 'prometheuses', shortNames: ['prom'], singular: 'prometheus' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        additionalPrinterColumns: [
          { description: 'The version of Prometheus', jsonPath: '.spec.version', name: 'Version', type: 'string' },
          { description: 'The number of desired replicas', jsonPath: '.spec.replicas', name: 'Desired', type: 'integer' },
          { description: 'The number of ready replicas', jsonPath: '.status.availableReplicas', name: 'Ready', type: 'integer' },
          { jsonPath: ".status.conditions[?(@.type == 'Reconciled')].status", name: 'Reconciled', type: 'string' },
          { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' },
          { description: 'Whether the resource reconciliation is paused or not', jsonPath: '.status.paused', name: 'Paused', priority: 1, type: 'boolean' },
        ],
        subresources: { status: {}, scale: { specReplicasPath: '.spec.shards', statusReplicasPath: '.status.shards', labelSelectorPath: '.status.selector' } },
        schema: {
          openAPIV3Schema: {
            description: 'Prometheus defines a Prometheus deployment.',
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                properties: {
                  version: { type: 'string' },
                  replicas: { type: 'integer', format: 'int32' },
                  shards: { type: 'integer', format: 'int32' },
                  retention: { type: 'string' },
                  serviceAccountName: { type: 'string' },
                  serviceMonitorSelector: selector,
                  resources: {
                    type: 'object',
                    properties: { limits: { type: 'object', additionalProperties: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } }, requests: { type: 'object', additionalProperties: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } } },
                  },
                },
              },
              status: {
                type: 'object',
                properties: {
                  availableReplicas: { type: 'integer', format: 'int32' },
                  paused: { type: 'boolean' },
                  replicas: { type: 'integer', format: 'int32' },
                  selector: { type: 'string' },
                  shards: { type: 'integer', format: 'int32' },
                  conditions: { type: 'array', items: condition, 'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map' },
                },
              },
            },
          },
        },
      },
    ],
  },
};

function gatewaySchema(version: string) {
  return {
    openAPIV3Schema: {
      description: `Gateway represents an instance of a service-traffic handling infrastructure by binding Listeners to a set of IP addresses (${version}).`,
      type: 'object',
      required: ['spec'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          required: ['gatewayClassName', 'listeners'],
          properties: {
            gatewayClassName: { type: 'string', maxLength: 253, minLength: 1 },
            listeners: {
              type: 'array',
              maxItems: 64,
              minItems: 1,
              'x-kubernetes-list-map-keys': ['name'],
              'x-kubernetes-list-type': 'map',
              items: {
                type: 'object',
                required: ['name', 'port', 'protocol'],
                properties: {
                  name: { type: 'string', description: 'Name is the name of the Listener. This name MUST be unique within a Gateway.', maxLength: 253, minLength: 1, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' },
                  hostname: { type: 'string' },
                  port: { type: 'integer', format: 'int32', maximum: 65535, minimum: 1 },
                  protocol: { type: 'string', description: 'Protocol specifies the network protocol this listener expects to receive.' },
                  allowedRoutes: { type: 'object', properties: { namespaces: { type: 'object', properties: { from: { type: 'string', default: 'Same', enum: ['All', 'Selector', 'Same'] } } } } },
                },
              },
            },
          },
        },
        status: {
          type: 'object',
          properties: {
            addresses: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, value: { type: 'string' } } } },
            conditions: { type: 'array', items: condition, 'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map' },
          },
        },
      },
    },
  };
}

const gatewayColumns = [
  { jsonPath: '.spec.gatewayClassName', name: 'Class', type: 'string' },
  { jsonPath: '.status.addresses[*].value', name: 'Address', type: 'string' },
  { jsonPath: '.status.conditions[?(@.type=="Programmed")].status', name: 'Programmed', type: 'string' },
  { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' },
];

export const gatewayCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gateways.gateway.networking.k8s.io', annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/2997', 'gateway.networking.k8s.io/bundle-version': 'v1.1.0' } },
  spec: {
    group: 'gateway.networking.k8s.io',
    names: { categories: ['gateway-api'], kind: 'Gateway', listKind: 'GatewayList', plural: 'gateways', shortNames: ['gtw'], singular: 'gateway' },
    scope: 'Namespaced',
    versions: [
      { name: 'v1', served: true, storage: true, additionalPrinterColumns: gatewayColumns, schema: gatewaySchema('v1'), subresources: { status: {} } },
      { name: 'v1beta1', served: true, storage: false, additionalPrinterColumns: gatewayColumns, schema: gatewaySchema('v1beta1'), subresources: { status: {} } },
    ],
  },
};

function routeSchema() {
  return {
    openAPIV3Schema: {
      description: 'HTTPRoute provides a way to route HTTP requests.',
      type: 'object',
      required: ['spec'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          properties: {
            hostnames: { type: 'array', maxItems: 16, items: { type: 'string' } },
            parentRefs: { type: 'array', maxItems: 32, items: { type: 'object', required: ['name'], properties: { group: { type: 'string', default: 'gateway.networking.k8s.io' }, kind: { type: 'string', default: 'Gateway' }, name: { type: 'string' }, namespace: { type: 'string' }, sectionName: { type: 'string' } } } },
            rules: {
              type: 'array',
              maxItems: 16,
              items: {
                type: 'object',
                properties: {
                  matches: { type: 'array', items: { type: 'object', properties: { path: { type: 'object', properties: { type: { type: 'string', default: 'PathPrefix', enum: ['Exact', 'PathPrefix', 'RegularExpression'] }, value: { type: 'string', default: '/' } } } } } },
                  backendRefs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', format: 'int32' }, weight: { type: 'integer', format: 'int32', default: 1 } } } },
                },
              },
            },
          },
        },
        status: { type: 'object', properties: { parents: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      },
    },
  };
}

export const httpRouteCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'httproutes.gateway.networking.k8s.io', annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/2997' } },
  spec: {
    group: 'gateway.networking.k8s.io',
    names: { categories: ['gateway-api'], kind: 'HTTPRoute', listKind: 'HTTPRouteList', plural: 'httproutes', singular: 'httproute' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        additionalPrinterColumns: [
          { jsonPath: '.spec.hostnames', name: 'Hostnames', type: 'string' },
          { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' },
        ],
        schema: routeSchema(),
        subresources: { status: {} },
      },
      {
        name: 'v1beta1',
        served: true,
        storage: false,
        deprecated: true,
        deprecationWarning: 'gateway.networking.k8s.io/v1beta1 HTTPRoute is deprecated; use gateway.networking.k8s.io/v1',
        additionalPrinterColumns: [
          { jsonPath: '.spec.hostnames', name: 'Hostnames', type: 'string' },
          { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' },
        ],
        schema: routeSchema(),
        subresources: { status: {} },
      },
    ],
  },
};

/** Same group and kind as the Prometheus CRD, another plural: its names conflict. */
export const conflictingCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'prometheis.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'Prometheus', plural: 'prometheis', singular: 'prometheis' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
