export const root: string;
export function buildIfStale(options?: { server?: boolean; web?: boolean; quiet?: boolean }): Promise<void>;
