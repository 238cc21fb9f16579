// The deployment files: the manifests parse, carry what running several
// replicas needs, agree with the gateway's own configuration, and the image
// is built the way docs/deployment.md says.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../server/config/index.js';
import { projectRoot } from '../../helpers/stack.js';

type Manifest = Record<string, any>;

const deployDir = join(projectRoot, 'deploy');
const manifests: Manifest[] = readdirSync(deployDir)
  .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
  .flatMap((name) =>
    parseAllDocuments(readFileSync(join(deployDir, name), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${name}: ${doc.errors[0]!.message}`);
      return doc.toJS() as Manifest;
    }),
  );
const byKind = (kind: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} in deploy/`);
  return found;
};

const configMap = byKind('ConfigMap');
const gatewayYaml = parseAllDocuments(configMap.data['gateway.yaml'] as string)[0]!.toJS() as Record<string, any>;
const deployment = byKind('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

describe('deploy/', () => {
  it('has every kind a production install needs', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Ingress',
      'Namespace',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
    const kustomization = parseAllDocuments(readFileSync(join(deployDir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as {
      resources: string[];
    };
    expect(kustomization.resources.sort()).toEqual(
      readdirSync(deployDir)
        .filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml')
        .sort(),
    );
  });

  it('renders with kubectl kustomize', () => {
    const rendered = execFileSync('kubectl', ['kustomize', deployDir], { encoding: 'utf8' });
    expect(parseAllDocuments(rendered).map((d) => (d.toJS() as Manifest).kind)).toHaveLength(7);
  });

  it('ships a gateway.yaml the gateway accepts', () => {
    const config = parseConfig(gatewayYaml, 'deploy/configmap.yaml');
    expect(config.listen.port).toBe(8080);
    expect(config.policy.some((rule) => rule.record)).toBe(true);
  });

  it('runs several non-root replicas with probes, resources and a locked-down container', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('mounts the ConfigMap and the Secret where gateway.yaml looks for them', () => {
    const env = Object.fromEntries((container.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
    const mounts = container.volumeMounts as Array<{ name: string; mountPath: string; subPath?: string }>;
    expect(mounts.find((m) => m.mountPath === env.GATEWAY_CONFIG)).toMatchObject({ name: 'config', subPath: 'gateway.yaml' });
    const secretMount = mounts.find((m) => m.name === 'secrets')!.mountPath;
    const secret = byKind('Secret');
    for (const path of [gatewayYaml.auth.jwt.publicKeyFile, gatewayYaml.clusters[0].kubeconfig] as string[]) {
      expect(path.startsWith(`${secretMount}/`)).toBe(true);
      expect(Object.keys(secret.stringData)).toContain(path.slice(secretMount.length + 1));
    }
    expect(mounts.some((m) => m.mountPath === gatewayYaml.recording.directory)).toBe(true);
  });

  it('gives open sessions their drain before Kubernetes kills the pod', () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(gatewayYaml.shutdown.graceSeconds);
  });

  it('wires the Service, the Ingress and the port together, with websocket timeouts and affinity for resume', () => {
    const service = byKind('Service');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
    expect(container.ports[0].containerPort).toBe(gatewayYaml.listen.port);
    const ingress = byKind('Ingress');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toMatchObject({
      name: service.metadata.name,
      port: { name: service.spec.ports[0].name },
    });
    expect(Number(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
  });

  it('keeps one replica up through voluntary disruptions', () => {
    const pdb = byKind('PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split('\n').filter((line) => line.startsWith('FROM '));

  it('builds in stages and runs from a slim Node 20 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.at(-1)).toMatch(/^FROM node:20-[a-z]+-slim$/);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    expect(dockerfile).toMatch(/RUN npm run build/);
  });

  it('runs as the numeric non-root user the Deployment expects, the gateway itself as PID 1', () => {
    const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    expect(user?.[1]).toBe(String(pod.securityContext.runAsUser));
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/server\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
  });
});
