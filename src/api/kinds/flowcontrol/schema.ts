// flowcontrol.apiserver.k8s.io FlowSchema and PriorityLevelConfiguration schemas, for v1 and
// v1beta3 (the same fields; definitions named per version as Kubernetes' OpenAPI names them).

import { conditionsOf, kindSchema } from '../../meta.js';
import { bool, int32, listOf, str, struct, time, type ObjectSchema } from '../../schema.js';

export interface FlowcontrolSchemas {
  flowSchema: ObjectSchema;
  priorityLevel: ObjectSchema;
}

export function flowcontrolSchemas(version: string): FlowcontrolSchemas {
  const n = (t: string) => `io.k8s.api.flowcontrol.${version}.${t}`;
  const named = (t: string) => struct(n(t), `The ${t}.`, { name: str('The name of the subject.') }, { required: ['name'] });
  const subject = struct(
    n('Subject'),
    'An actor that a request is from: a user, a group or a service account.',
    {
      kind: str('Which of the fields is set: User, Group or ServiceAccount.'),
      user: { ...named('UserSubject'), description: 'Matches the originator of a request by user name.' },
      group: { ...named('GroupSubject'), description: 'Matches the originator of a request by user group ("system:authenticated" matches every authenticated request).' },
      serviceAccount: struct(
        n('ServiceAccountSubject'),
        'Matches a service account, or every service account of a namespace with name "*".',
        { namespace: str('The namespace of the matching ServiceAccount objects.'), name: str('The name of the matching ServiceAccount objects, or "*" to match regardless of name.') },
        { required: ['namespace', 'name'] },
      ),
    },
    { required: ['kind'] },
  );
  const resourceRule = struct(
    n('ResourcePolicyRule'),
    'Matches a resource request when its verb, API group, resource and namespace all match.',
    {
      verbs: listOf(str(), 'The matching verbs; "*" matches all verbs and, if present, must be the only entry.'),
      apiGroups: listOf(str(), 'The matching API groups; "*" matches all.'),
      resources: listOf(str(), 'The matching resources (lowercase plural, with "/subresource" when needed); "*" matches all.'),
      clusterScope: bool('Whether the rule matches requests that do not specify a namespace.'),
      namespaces: listOf(str(), 'The target namespaces that match; "*" matches any specified namespace.'),
    },
    { required: ['verbs', 'apiGroups', 'resources'] },
  );
  const nonResourceRule = struct(
    n('NonResourcePolicyRule'),
    'Matches a non-resource request when its verb and URL match.',
    { verbs: listOf(str(), 'The matching verbs; "*" matches all.'), nonResourceURLs: listOf(str(), 'The URL prefixes a user should have access to ("/healthz", "/hc/*"); "*" matches all.') },
    { required: ['verbs', 'nonResourceURLs'] },
  );
  const condition = (kind: string) =>
    conditionsOf(
      struct(n(`${kind}Condition`), `The conditions of a ${kind}.`, {
        type: str('The type of the condition.'),
        status: str('The status of the condition: True, False or Unknown.'),
        lastTransitionTime: time('The last time the condition transitioned from one status to another.'),
        reason: str("A unique, one-word, CamelCase reason for the condition's last transition."),
        message: str('A human-readable message indicating details about the last transition.'),
      }),
      `The current state of the ${kind}.`,
    );
  const flowSchema = kindSchema(n('FlowSchema'), 'Defines the schema of a group of flows: the requests it matches and the priority level they are served at.', {
    spec: struct(
      n('FlowSchemaSpec'),
      'The FlowSchema: which requests it matches and how they are classified.',
      {
        priorityLevelConfiguration: struct(n('PriorityLevelConfigurationReference'), 'The priority level in use.', { name: str('The name of the priority level configuration being referenced.') }, { required: ['name'] }),
        matchingPrecedence: int32('Chooses among the FlowSchemas that match a request: the lowest value wins. Between 1 and 10000; default 1000.'),
        distinguisherMethod: struct(n('FlowDistinguisherMethod'), 'How the flow of a matching request is computed.', { type: str('ByUser or ByNamespace.') }, { required: ['type'] }),
        rules: listOf(
          struct(
            n('PolicyRulesWithSubjects'),
            'A test that applies to a request: it matches when a subject and a rule both match.',
            {
              subjects: listOf(subject, 'The normal user, service account or group this rule cares about. Required.'),
              resourceRules: listOf(resourceRule, 'The ResourcePolicyRules that identify matching requests by verb and target resource.'),
              nonResourceRules: listOf(nonResourceRule, 'The NonResourcePolicyRules that identify matching requests by verb and non-resource URL.'),
            },
            { required: ['subjects'] },
          ),
          'The policy rules of this FlowSchema; a request matches if it matches at least one.',
        ),
      },
      { required: ['priorityLevelConfiguration'] },
    ),
    status: struct(n('FlowSchemaStatus'), 'The current state of a FlowSchema.', { conditions: condition('FlowSchema') }),
  });
  const queuing = struct(n('QueuingConfiguration'), 'The configuration for queuing.', {
    queues: int32('The number of queues for this priority level (default 64).'),
    handSize: int32('The number of queues a request may be assigned to when enqueuing (default 8).'),
    queueLengthLimit: int32('The maximum number of requests allowed to be waiting in a given queue (default 50).'),
  });
  const priorityLevel = kindSchema(n('PriorityLevelConfiguration'), 'Represents the configuration of a priority level.', {
    spec: struct(
      n('PriorityLevelConfigurationSpec'),
      'The configuration of a priority level.',
      {
        type: str('Whether this priority level is subject to limitation on request execution: Exempt or Limited.'),
        limited: struct(n('LimitedPriorityLevelConfiguration'), 'How to handle requests that are subject to limits.', {
          nominalConcurrencyShares: int32("Contributes to the computation of this level's nominal concurrency limit (default 30)."),
          limitResponse: struct(n('LimitResponse'), 'What to do with requests that can not be executed right now.', { type: str('Queue or Reject.'), queuing: queuing }, { required: ['type'] }),
          lendablePercent: int32("The percentage of the level's nominal concurrency that can be borrowed by other levels (0 to 100)."),
          borrowingLimitPercent: int32('A limit on how many seats this level can borrow from other levels, as a percentage of its nominal concurrency.'),
        }),
        exempt: struct(n('ExemptPriorityLevelConfiguration'), 'How to handle requests of an exempt priority level.', {
          nominalConcurrencyShares: int32("Contributes to the computation of the level's nominal concurrency limit (default 0)."),
          lendablePercent: int32("The percentage of the level's nominal concurrency that can be borrowed by other levels."),
        }),
      },
      { required: ['type'] },
    ),
    status: struct(n('PriorityLevelConfigurationStatus'), 'The current state of a priority level.', { conditions: condition('PriorityLevelConfiguration') }),
  });
  return { flowSchema, priorityLevel };
}
