// The control plane's certificates and keys, made with OpenSSL into a
// temporary directory: one CA for everything (API server serving, client
// certificates, the node's serving certificate) and the service account keys.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  caPem: string;
  /** Serving certificate of the API server and of the node: 127.0.0.1 and localhost. */
  servingCert: string;
  servingKey: string;
  /** The API server's client certificate for the kubelet API. */
  kubeletClientCert: string;
  kubeletClientKey: string;
  /** A client certificate for the gateway: user webterm-gateway-cert. */
  gatewayClientCert: string;
  gatewayClientKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, subject: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.crt`,
    '-extfile',
    `${name}.ext`,
  ]);
}

export function createPki(dir: string): Pki {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    `/CN=webterm-real-cluster-ca-${process.pid}-${Date.now()}`,
  ]);
  issue(dir, 'serving', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes\nextendedKeyUsage=serverAuth\n');
  issue(dir, 'kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'gateway-client', '/CN=webterm-gateway-cert', 'extendedKeyUsage=clientAuth\n');
  openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const path = (name: string) => join(dir, name);
  return {
    dir,
    caCert: path('ca.crt'),
    caKey: path('ca.key'),
    caPem: readFileSync(path('ca.crt'), 'utf8'),
    servingCert: path('serving.crt'),
    servingKey: path('serving.key'),
    kubeletClientCert: path('kubelet-client.crt'),
    kubeletClientKey: path('kubelet-client.key'),
    gatewayClientCert: path('gateway-client.crt'),
    gatewayClientKey: path('gateway-client.key'),
    serviceAccountKey: path('sa.key'),
    serviceAccountPub: path('sa.pub'),
  };
}
