// Clusters: where they are, how to authenticate to them, and what the gateway reads there.
export { ClusterSetupError, decodeCaData, inlineCluster, type Cluster, type ClusterConnection } from './cluster.js';
export { clusterGet, type RawAnswer } from './cluster-get.js';
export { createKubeApi, type KubeApi, type KubePod } from './kube-api.js';
export { kubeconfigClusters } from './kubeconfig.js';
export { createClusterRegistry, type ClusterRegistry } from './registry.js';
