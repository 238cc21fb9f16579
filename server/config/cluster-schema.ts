// The schema of `clusters`: a kubeconfig whose contexts become clusters, or one
// cluster written inline with its server, credential and CA.
import { z } from 'zod';

/** A string that must hold something; every schema's plain text value. */
export const nonEmpty = z.string().min(1, 'must not be empty');

export const kubeconfigClusterSchema = z
  .object({
    kubeconfig: nonEmpty,
    /** Only these contexts; all by default. */
    contexts: z.array(nonEmpty).optional(),
    impersonate: z.boolean().default(false),
  })
  .strict();

export const inlineClusterSchema = z
  .object({
    name: nonEmpty,
    server: z.url({ protocol: /^https?$/, error: 'must be an https:// URL' }),
    token: nonEmpty.optional(),
    tokenFile: nonEmpty.optional(),
    clientCertFile: nonEmpty.optional(),
    clientKeyFile: nonEmpty.optional(),
    caFile: nonEmpty.optional(),
    /** PEM, or base64 of PEM as in a kubeconfig's certificate-authority-data. */
    caData: nonEmpty.optional(),
    insecureSkipTLSVerify: z.boolean().default(false),
    impersonate: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.token !== undefined && c.tokenFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'set token or tokenFile, not both' });
    }
    if ((c.clientCertFile === undefined) !== (c.clientKeyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['clientKeyFile'], message: 'clientCertFile and clientKeyFile go together' });
    }
    if (c.token === undefined && c.tokenFile === undefined && c.clientCertFile === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs a credential: token, tokenFile, or clientCertFile with clientKeyFile' });
    }
    if (c.caFile !== undefined && c.caData !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['caData'], message: 'set caFile or caData, not both' });
    }
    if (c.server.startsWith('http:')) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'must be an https:// URL' });
    }
  });

export const clusterSchema = z.union([kubeconfigClusterSchema, inlineClusterSchema], {
  error: 'needs either kubeconfig, or name with server and a credential',
});

export type InlineClusterConfig = z.output<typeof inlineClusterSchema>;
export type KubeconfigClusterConfig = z.output<typeof kubeconfigClusterSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
