/** Wire types of POST /api/v1/sync (DESIGN.md §2). */
export type OpKind = "put" | "add" | "remove" | "create" | "intent";

export interface Op {
  id: string;
  ts: string;
  entity: string;
  key: string;
  kind: OpKind;
  field?: string | null;
  value?: unknown;
  seen?: string[] | null;
  seq?: number;
}

export interface Rejection {
  id: string;
  code: string;
  message: string;
}

export interface SyncRequest {
  replica: string;
  since: number;
  ops: Op[];
}

export interface SyncResponse {
  cursor: number;
  acked?: string[];
  rejected?: Rejection[];
  changes?: Op[];
  evict?: { entity: string; key: string }[];
  more?: boolean;
  server_time?: string;
}

export type View = Record<string, unknown>;
