// A throwaway certificate authority and server certificate, made at start-up,
// so the local cluster serves verified TLS like a real API server.
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import forge from 'node-forge';

export interface ServerCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

type KeyPair = { privateKeyPem: string; publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey };

function newKeyPair(): KeyPair {
  // Node generates RSA keys in native code; forge's pure-JS keygen takes seconds.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  return { privateKeyPem, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

// One CA key and one server key per process, made at first use: RSA keygen
// costs a few hundred ms here, and a benchmark starts ten clusters. Each
// certificate is still its own, and each CA has its own random name, so one
// cluster's CA does not vouch for another's server (chains match by name).
let keys: { ca: KeyPair; server: KeyPair } | undefined;

function serialNumber(): string {
  // Positive: the first hex digit below 8.
  return '0' + randomBytes(15).toString('hex');
}

/**
 * A CA named `caName` and a certificate it signs for `hosts` (IP addresses and
 * DNS names), checked with OpenSSL before it is used: once in a few hundred
 * test runs a made certificate was refused by OpenSSL ("illegal padding" in an
 * ASN.1 integer). Since the keys are shared by the process, such a failure
 * would spoil every later certificate: the keys are made anew and the
 * certificate again.
 */
export function createServerCertificate(caName: string, hosts: readonly string[] = ['127.0.0.1', 'localhost']): ServerCertificate {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const made = makeServerCertificate(caName, hosts);
    try {
      const cert = new X509Certificate(made.certPem);
      if (!cert.checkPrivateKey(createPrivateKey(made.keyPem))) throw new Error('the certificate does not match its key');
      if (!cert.verify(new X509Certificate(made.caPem).publicKey)) throw new Error('the CA did not sign the certificate');
      createSecureContext({ cert: made.certPem, key: made.keyPem, ca: made.caPem });
      return made;
    } catch (error) {
      lastError = error;
      keys = undefined;
    }
  }
  throw new Error(`could not make a usable certificate: ${(lastError as Error).message}`);
}

function makeServerCertificate(caName: string, hosts: readonly string[]): ServerCertificate {
  const now = Date.now();
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 365 * 24 * 3600 * 1000);

  keys ??= { ca: newKeyPair(), server: newKeyPair() };
  const caKeys = keys.ca;
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serialNumber();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  const caSubject = [
    { name: 'commonName', value: caName },
    { name: 'serialNumber', value: randomBytes(8).toString('hex') },
  ];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());

  const serverKeys = keys.server;
  const cert = forge.pki.createCertificate();
  cert.publicKey = serverKeys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: hosts[0] ?? 'localhost' }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: hosts.map((host) => (/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host })),
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKeys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());

  return { caPem: forge.pki.certificateToPem(ca), certPem: forge.pki.certificateToPem(cert), keyPem: serverKeys.privateKeyPem };
}
