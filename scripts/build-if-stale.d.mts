export const root: string;
export function buildIfStale(options?: { server?: boolean; localCluster?: boolean; web?: boolean; quiet?: boolean }): Promise<void>;
