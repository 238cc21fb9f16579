// The configuration: validated at start-up, every problem named by its key path.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../../server/config/index.js';

const minimal = { auth: { jwt: { secret: 's', algorithms: ['HS256'] } } };

describe('parseConfig', () => {
  it('fills defaults and freezes the result', () => {
    const config = parseConfig(minimal);
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.terminal.pingIntervalSeconds).toBe(30);
    expect(config.policy).toEqual([]);
    expect(Object.isFrozen(config.terminal)).toBe(true);
  });

  it('reads the example of INTERFACE.md', () => {
    const config = parseConfig({
      listen: { host: '0.0.0.0', port: 8080, tls: { certFile: '/etc/gateway/tls.crt', keyFile: '/etc/gateway/tls.key' } },
      auth: {
        jwt: { secret: '...', algorithms: ['HS256'], issuer: 'https://portal.example.com', audience: 'web-terminal' },
        allowedOrigins: ['https://portal.example.com'],
      },
      clusters: [
        { kubeconfig: '/etc/gateway/kubeconfig' },
        {
          name: 'cluster-b',
          server: 'https://192.168.1.101:6443',
          tokenFile: '/var/run/secrets/cluster-b/token',
          caFile: '/var/run/secrets/cluster-b/ca.crt',
        },
      ],
      policy: [
        { groups: ['ops'], clusters: ['*'], namespaces: ['ingress-nginx'], allow: ['nginx-reload'] },
        { groups: ['dev'], clusters: ['dev-*'], namespaces: ['*'], allow: ['exec'] },
      ],
      actions: {
        'nginx-reload': {
          check: ['nginx', '-t'],
          command: ['nginx', '-s', 'reload'],
          namespace: 'ingress-nginx',
          selector: 'app.kubernetes.io/component=controller',
          container: 'controller',
          timeoutSeconds: 30,
        },
      },
    });
    expect(config.actions['nginx-reload']?.command).toEqual(['nginx', '-s', 'reload']);
  });

  it('names the key path of every problem', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig(
        {
          auth: { jwt: { algorithms: ['none'], secret: 'x' } },
          clusters: [{ name: 'b', server: 'https://b:6443' }],
          policy: [{ clusters: ['*'], allow: ['exec'] }],
          extra: 1,
        },
        'gateway.yaml',
      );
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain('gateway.yaml');
    expect(error?.problems.join('\n')).toMatch(/auth\.jwt\.algorithms\[0\]/);
    expect(error?.problems.join('\n')).toMatch(/clusters\[0\]: needs a credential/);
    expect(error?.problems.join('\n')).toMatch(/policy\[0\]\.namespaces: is missing/);
    expect(error?.problems.join('\n')).toMatch(/extra/);
  });

  it('refuses a secret with an RS algorithm (no key confusion)', () => {
    expect(() => parseConfig({ auth: { jwt: { secret: 's', algorithms: ['RS256'] } } })).toThrowError(/a secret goes only with HS/);
  });

  it('refuses a plain-http cluster server', () => {
    expect(() => parseConfig({ ...minimal, clusters: [{ name: 'b', server: 'http://b:6443', token: 't' }] })).toThrowError(/https/);
  });
});

describe('loadConfig', () => {
  it('is demo mode without GATEWAY_CONFIG: loopback, 8080, a fresh secret', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.demo).toBe(true);
    expect(a.listen).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(a.auth.jwt.secret).not.toBe(b.auth.jwt.secret);
  });

  it('applies PORT, HOST and GATEWAY_JWT_SECRET', () => {
    const config = loadConfig({ PORT: '9001', HOST: '::1', GATEWAY_JWT_SECRET: 'from-env' });
    expect(config.listen).toMatchObject({ host: '::1', port: 9001 });
    expect(config.auth.jwt.secret).toBe('from-env');
  });

  it('reads the YAML file named by GATEWAY_CONFIG', () => {
    const config = loadConfig(
      { GATEWAY_CONFIG: '/etc/gw.yaml' },
      { readFile: () => 'auth:\n  jwt:\n    secret: s\n    algorithms: [HS384]\n' },
    );
    expect(config.demo).toBe(false);
    expect(config.auth.jwt.algorithms).toEqual(['HS384']);
  });

  it('names the file when it cannot be read or parsed', () => {
    expect(() =>
      loadConfig(
        { GATEWAY_CONFIG: '/nope.yaml' },
        {
          readFile: () => {
            throw new Error('ENOENT');
          },
        },
      ),
    ).toThrowError(/\/nope\.yaml/);
    expect(() => loadConfig({ GATEWAY_CONFIG: '/bad.yaml' }, { readFile: () => 'a: [' })).toThrowError(/not valid YAML/);
  });

  it('refuses a PORT that is not a port', () => {
    expect(() => loadConfig({ PORT: 'http' })).toThrowError(/PORT/);
  });
});
