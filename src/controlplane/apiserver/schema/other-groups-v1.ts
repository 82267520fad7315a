/**
 * Message layouts of discovery/v1, rbac/v1, storage/v1, scheduling/v1 and certificates/v1 kinds.
 * Same format as ./core-v1-pod.ts; generated from the upstream generated.proto layouts in
 * ../shared/reference/k8s-api-protobuf.tsv. Data only, read by ./index.ts.
 */
export const OTHER_GROUP_MESSAGES: Readonly<Record<string, string>> = {
  'discovery.v1.EndpointSlice': 'metadata=1:meta.v1.ObjectMeta addressType=4:string endpoints=2:[]discovery.v1.Endpoint ports=3:[]discovery.v1.EndpointPort',
  'rbac.v1.Role': 'metadata=1:meta.v1.ObjectMeta rules=2:[]rbac.v1.PolicyRule',
  'rbac.v1.RoleBinding': 'metadata=1:meta.v1.ObjectMeta subjects=2:[]rbac.v1.Subject roleRef=3:rbac.v1.RoleRef',
  'rbac.v1.ClusterRole': 'metadata=1:meta.v1.ObjectMeta rules=2:[]rbac.v1.PolicyRule aggregationRule=3:rbac.v1.AggregationRule',
  'rbac.v1.ClusterRoleBinding': 'metadata=1:meta.v1.ObjectMeta subjects=2:[]rbac.v1.Subject roleRef=3:rbac.v1.RoleRef',
  'storage.v1.StorageClass': 'metadata=1:meta.v1.ObjectMeta provisioner=2:string parameters=3:{}string reclaimPolicy=4:string mountOptions=5:[]string allowVolumeExpansion=6:bool volumeBindingMode=7:string allowedTopologies=8:[]core.v1.TopologySelectorTerm',
  'scheduling.v1.PriorityClass': 'metadata=1:meta.v1.ObjectMeta value=2:int32 globalDefault=3:bool description=4:string preemptionPolicy=5:string',
  'certificates.v1.CertificateSigningRequest': 'metadata=1:meta.v1.ObjectMeta spec=2:certificates.v1.CertificateSigningRequestSpec status=3:certificates.v1.CertificateSigningRequestStatus',
  'discovery.v1.Endpoint': 'addresses=1:[]string conditions=2:discovery.v1.EndpointConditions hostname=3:string targetRef=4:core.v1.ObjectReference deprecatedTopology=5:{}string nodeName=6:string zone=7:string hints=8:discovery.v1.EndpointHints',
  'discovery.v1.EndpointPort': 'name=1:string protocol=2:string port=3:int32 appProtocol=4:string',
  'rbac.v1.PolicyRule': 'verbs=1:[]string apiGroups=2:[]string resources=3:[]string resourceNames=4:[]string nonResourceURLs=5:[]string',
  'rbac.v1.Subject': 'kind=1:string apiGroup=2:string name=3:string namespace=4:string',
  'rbac.v1.RoleRef': 'apiGroup=1:string kind=2:string name=3:string',
  'rbac.v1.AggregationRule': 'clusterRoleSelectors=1:[]meta.v1.LabelSelector',
  'core.v1.TopologySelectorTerm': 'matchLabelExpressions=1:[]core.v1.TopologySelectorLabelRequirement',
  'certificates.v1.CertificateSigningRequestSpec': 'request=1:bytes signerName=7:string expirationSeconds=8:int32 usages=5:[]string username=2:string uid=3:string groups=4:[]string extra=6:{}[]string',
  'certificates.v1.CertificateSigningRequestStatus': 'conditions=1:[]certificates.v1.CertificateSigningRequestCondition certificate=2:bytes',
  'discovery.v1.EndpointConditions': 'ready=1:bool serving=2:bool terminating=3:bool',
  'discovery.v1.EndpointHints': 'forZones=1:[]discovery.v1.ForZone forNodes=2:[]discovery.v1.ForNode',
  'core.v1.TopologySelectorLabelRequirement': 'key=1:string values=2:[]string',
  'certificates.v1.CertificateSigningRequestCondition': 'type=1:string status=6:string reason=2:string message=3:string lastUpdateTime=4:Time lastTransitionTime=5:Time',
  'discovery.v1.ForZone': 'name=1:string',
  'discovery.v1.ForNode': 'name=1:string',
};
