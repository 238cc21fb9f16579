// What production installs and loads: the gateway's own dependencies, never
// the local cluster package or its node-pty, which only demo mode loads.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, Record<string, string>>;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the production install', () => {
  const gateway = readJson('package.json');
  const localCluster = readJson('local-cluster/package.json');

  it("leaves the local cluster and its terminal library out of the gateway's dependencies", () => {
    expect(Object.keys(gateway.dependencies!)).not.toContain('node-pty');
    expect(Object.keys(gateway.dependencies!)).not.toContain('node-forge');
    expect(Object.keys(gateway.dependencies!)).not.toContain('@webterm/local-cluster');
    expect(gateway.devDependencies!['@webterm/local-cluster']).toBeDefined();
    expect(localCluster.dependencies!['node-pty']).toBeDefined();
  });

  it('is installed in the image without the workspace', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev --workspaces=false\b/m);
  });

  it('reaches the local cluster from demo.ts alone, by a dynamic import', () => {
    const importers = sourceFiles('server').filter((file) =>
      /['"]@webterm\/local-cluster[/'"]|local-cluster\/src/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(importers).toEqual([join('server', 'demo.ts')]);
    const demo = readFileSync(join(root, 'server', 'demo.ts'), 'utf8');
    // A static import would load node-pty with every gateway, demo or not.
    expect(demo).not.toMatch(/^import (?!type )[^;]*from '@webterm\/local-cluster'/m);
    expect(demo).toMatch(/await import\('@webterm\/local-cluster'\)/);
  });
});
