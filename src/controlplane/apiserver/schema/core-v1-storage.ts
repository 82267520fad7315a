/**
 * Message layouts of core/v1 PersistentVolume, LimitRange and ResourceQuota.
 * Same format as ./core-v1-pod.ts; generated from the upstream generated.proto layouts in
 * ../shared/reference/k8s-api-protobuf.tsv. Data only, read by ./index.ts.
 */
export const CORE_STORAGE_MESSAGES: Readonly<Record<string, string>> = {
  'core.v1.PersistentVolume': 'metadata=1:meta.v1.ObjectMeta spec=2:core.v1.PersistentVolumeSpec status=3:core.v1.PersistentVolumeStatus',
  'core.v1.LimitRange': 'metadata=1:meta.v1.ObjectMeta spec=2:core.v1.LimitRangeSpec',
  'core.v1.ResourceQuota': 'metadata=1:meta.v1.ObjectMeta spec=2:core.v1.ResourceQuotaSpec status=3:core.v1.ResourceQuotaStatus',
  'core.v1.PersistentVolumeSpec': 'capacity=1:{}Quantity persistentVolumeSource=2:core.v1.PersistentVolumeSource accessModes=3:[]string claimRef=4:core.v1.ObjectReference persistentVolumeReclaimPolicy=5:string storageClassName=6:string mountOptions=7:[]string volumeMode=8:string nodeAffinity=9:core.v1.VolumeNodeAffinity volumeAttributesClassName=10:string',
  'core.v1.PersistentVolumeStatus': 'phase=1:string message=2:string reason=3:string lastPhaseTransitionTime=4:Time',
  'core.v1.LimitRangeSpec': 'limits=1:[]core.v1.LimitRangeItem',
  'core.v1.ResourceQuotaSpec': 'hard=1:{}Quantity scopes=2:[]string scopeSelector=3:core.v1.ScopeSelector',
  'core.v1.ResourceQuotaStatus': 'hard=1:{}Quantity used=2:{}Quantity',
  'core.v1.PersistentVolumeSource': 'gcePersistentDisk=1:core.v1.GCEPersistentDiskVolumeSource awsElasticBlockStore=2:core.v1.AWSElasticBlockStoreVolumeSource hostPath=3:core.v1.HostPathVolumeSource glusterfs=4:core.v1.GlusterfsPersistentVolumeSource nfs=5:core.v1.NFSVolumeSource rbd=6:core.v1.RBDPersistentVolumeSource iscsi=7:core.v1.ISCSIPersistentVolumeSource cinder=8:core.v1.CinderPersistentVolumeSource cephfs=9:core.v1.CephFSPersistentVolumeSource fc=10:core.v1.FCVolumeSource flocker=11:core.v1.FlockerVolumeSource flexVolume=12:core.v1.FlexPersistentVolumeSource azureFile=13:core.v1.AzureFilePersistentVolumeSource vsphereVolume=14:core.v1.VsphereVirtualDiskVolumeSource quobyte=15:core.v1.QuobyteVolumeSource azureDisk=16:core.v1.AzureDiskVolumeSource photonPersistentDisk=17:core.v1.PhotonPersistentDiskVolumeSource portworxVolume=18:core.v1.PortworxVolumeSource scaleIO=19:core.v1.ScaleIOPersistentVolumeSource local=20:core.v1.LocalVolumeSource storageos=21:core.v1.StorageOSPersistentVolumeSource csi=22:core.v1.CSIPersistentVolumeSource',
  'core.v1.VolumeNodeAffinity': 'required=1:core.v1.NodeSelector',
  'core.v1.LimitRangeItem': 'type=1:string max=2:{}Quantity min=3:{}Quantity default=4:{}Quantity defaultRequest=5:{}Quantity maxLimitRequestRatio=6:{}Quantity',
  'core.v1.ScopeSelector': 'matchExpressions=1:[]core.v1.ScopedResourceSelectorRequirement',
  'core.v1.GlusterfsPersistentVolumeSource': 'endpoints=1:string path=2:string readOnly=3:bool endpointsNamespace=4:string',
  'core.v1.RBDPersistentVolumeSource': 'monitors=1:[]string image=2:string fsType=3:string pool=4:string user=5:string keyring=6:string secretRef=7:core.v1.SecretReference readOnly=8:bool',
  'core.v1.ISCSIPersistentVolumeSource': 'targetPortal=1:string iqn=2:string lun=3:int32 iscsiInterface=4:string fsType=5:string readOnly=6:bool portals=7:[]string chapAuthDiscovery=8:bool chapAuthSession=11:bool secretRef=10:core.v1.SecretReference initiatorName=12:string',
  'core.v1.CinderPersistentVolumeSource': 'volumeID=1:string fsType=2:string readOnly=3:bool secretRef=4:core.v1.SecretReference',
  'core.v1.CephFSPersistentVolumeSource': 'monitors=1:[]string path=2:string user=3:string secretFile=4:string secretRef=5:core.v1.SecretReference readOnly=6:bool',
  'core.v1.FlexPersistentVolumeSource': 'driver=1:string fsType=2:string secretRef=3:core.v1.SecretReference readOnly=4:bool options=5:{}string',
  'core.v1.AzureFilePersistentVolumeSource': 'secretName=1:string shareName=2:string readOnly=3:bool secretNamespace=4:string',
  'core.v1.ScaleIOPersistentVolumeSource': 'gateway=1:string system=2:string secretRef=3:core.v1.SecretReference sslEnabled=4:bool protectionDomain=5:string storagePool=6:string storageMode=7:string volumeName=8:string fsType=9:string readOnly=10:bool',
  'core.v1.LocalVolumeSource': 'path=1:string fsType=2:string',
  'core.v1.StorageOSPersistentVolumeSource': 'volumeName=1:string volumeNamespace=2:string fsType=3:string readOnly=4:bool secretRef=5:core.v1.ObjectReference',
  'core.v1.CSIPersistentVolumeSource': 'driver=1:string volumeHandle=2:string readOnly=3:bool fsType=4:string volumeAttributes=5:{}string controllerPublishSecretRef=6:core.v1.SecretReference nodeStageSecretRef=7:core.v1.SecretReference nodePublishSecretRef=8:core.v1.SecretReference controllerExpandSecretRef=9:core.v1.SecretReference nodeExpandSecretRef=10:core.v1.SecretReference',
  'core.v1.ScopedResourceSelectorRequirement': 'scopeName=1:string operator=2:string values=3:[]string',
  'core.v1.SecretReference': 'name=1:string namespace=2:string',
};
