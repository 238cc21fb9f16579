// The gateway's configuration: the only reader of process.env and of the YAML
// file. Everything is validated at start-up and returned as one frozen object.
export type { ClusterConfig, InlineClusterConfig, KubeconfigClusterConfig } from './cluster-schema.js';
export { DEMO_EMBEDDING_ORIGINS } from './demo.js';
export { ConfigError, loadConfig, parseConfig, type LoadConfigOptions } from './load.js';
export type {
  ActionConfig,
  DebugConfig,
  GatewayConfig,
  GatewayConfigInput,
  PolicyRuleConfig,
  RecordingConfig,
  SessionLimitsConfig,
} from './schema.js';
